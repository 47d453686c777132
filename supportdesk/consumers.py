from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from supportdesk.realtime import AGENT_QUEUE_GROUP, ticket_group
from supportdesk.roles import AGENT, user_has_role
from supportdesk.selectors import inquiry_get_by_token


class HintConsumer(AsyncJsonWebsocketConsumer):
    """Joins one group and forwards its hints; the page refetches what changed over HTTP."""

    group: str | None = None

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def changed(self, event):
        await self.send_json({"changed": event.get("ticket")})

    async def join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()


class AgentQueueConsumer(HintConsumer):
    async def connect(self):
        allowed = await database_sync_to_async(user_has_role)(self.scope.get("user"), AGENT)
        if not allowed:
            await self.close(code=4403)
            return
        await self.join(AGENT_QUEUE_GROUP)


class TicketConsumer(HintConsumer):
    async def connect(self):
        token = self.scope["url_route"]["kwargs"]["token"]
        inquiry = await database_sync_to_async(inquiry_get_by_token)(token=token)
        if inquiry is None:
            await self.close(code=4404)
            return
        await self.join(ticket_group(inquiry.pk))


class AgentTicketConsumer(HintConsumer):
    async def connect(self):
        allowed = await database_sync_to_async(user_has_role)(self.scope.get("user"), AGENT)
        if not allowed:
            await self.close(code=4403)
            return
        await self.join(ticket_group(int(self.scope["url_route"]["kwargs"]["pk"])))
