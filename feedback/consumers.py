from core.consumers import RoleGroupConsumer
from core.roles import ADMIN
from feedback.realtime import TOPICS_GROUP


class TopicsConsumer(RoleGroupConsumer):
    """Hints that a clustering run changed; the topics page refetches its runs list over HTTP."""

    roles = (ADMIN,)

    def group_name(self) -> str:
        return TOPICS_GROUP

    async def changed(self, event):
        await self.send_json({"changed": event.get("run")})
