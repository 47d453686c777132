"""Websocket consumers that forward hints from one group; pages refetch what changed over HTTP."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.roles import user_has_role


class HintConsumer(AsyncJsonWebsocketConsumer):
    """Joins one group and forwards its hints."""

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


def _holds_any(user, roles: tuple[str, ...]) -> bool:
    return any(user_has_role(user, role) for role in roles)


class RoleGroupConsumer(HintConsumer):
    """A group for people holding one of `roles`; anyone else is closed with 4403."""

    roles: tuple[str, ...] = ()

    def group_name(self) -> str:
        raise NotImplementedError

    async def connect(self):
        if not await database_sync_to_async(_holds_any)(self.scope.get("user"), self.roles):
            await self.close(code=4403)
            return
        await self.join(self.group_name())
