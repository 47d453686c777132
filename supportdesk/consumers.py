from channels.db import database_sync_to_async

from core.consumers import HintConsumer, RoleGroupConsumer
from core.roles import AGENT
from supportdesk.realtime import AGENT_QUEUE_GROUP, ticket_group
from supportdesk.selectors import inquiry_get_by_token


class AgentQueueConsumer(RoleGroupConsumer):
    roles = (AGENT,)

    def group_name(self) -> str:
        return AGENT_QUEUE_GROUP


class TicketConsumer(HintConsumer):
    async def connect(self):
        token = self.scope["url_route"]["kwargs"]["token"]
        inquiry = await database_sync_to_async(inquiry_get_by_token)(token=token)
        if inquiry is None:
            await self.close(code=4404)
            return
        await self.join(ticket_group(inquiry.pk))


class AgentTicketConsumer(RoleGroupConsumer):
    roles = (AGENT,)

    def group_name(self) -> str:
        return ticket_group(int(self.scope["url_route"]["kwargs"]["pk"]))
