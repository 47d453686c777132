"""Who else is on an agent's ticket page, and whether they are typing, so two agents don't answer at
once. Unlike the hint groups, this state lives only in the open websockets: nothing is stored, and a
closed page simply disappears. Names come from the server's session, never from the browser."""

from __future__ import annotations

import hashlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.roles import AGENT, user_has_role

VIEWING, TYPING, LEFT = "viewing", "typing", "left"


def ticket_agents_group(inquiry_id: int) -> str:
    return f"ticket-{inquiry_id}-agents"


class AgentPresenceConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    state = VIEWING

    async def connect(self):
        user = self.scope.get("user")
        if not await database_sync_to_async(user_has_role)(user, AGENT):
            await self.close(code=4403)
            return
        self.who = user.get_username()
        self.tab = hashlib.sha256(self.channel_name.encode()).hexdigest()[:12]  # not the channel's own name
        self.group = ticket_agents_group(int(self.scope["url_route"]["kwargs"]["pk"]))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._announce(hello=True)  # the others answer with their own state

    async def receive_json(self, content, **kwargs):
        state = TYPING if isinstance(content, dict) and content.get("typing") is True else VIEWING
        if state != self.state:
            self.state = state
            await self._announce()

    async def disconnect(self, code):
        if self.group:
            self.state = LEFT
            await self._announce()
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _announce(self, *, hello: bool = False) -> None:
        await self.channel_layer.group_send(self.group, {"type": "presence", "tab": self.tab, "who": self.who,
                                                         "state": self.state, "hello": hello})

    async def presence(self, event):
        if event["tab"] == self.tab:
            return
        await self.send_json({"presence": {"tab": event["tab"], "who": event["who"], "state": event["state"]}})
        if event.get("hello") and self.state != LEFT:
            await self._announce()
