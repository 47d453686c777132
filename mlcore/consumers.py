from core.consumers import RoleGroupConsumer
from core.roles import ADMIN
from mlcore.progress import TRAINING_GROUP


class TrainingConsumer(RoleGroupConsumer):
    """Hints that a training run changed; the model page refetches its runs table over HTTP."""

    roles = (ADMIN,)

    def group_name(self) -> str:
        return TRAINING_GROUP

    async def changed(self, event):
        await self.send_json({"changed": event.get("run")})
