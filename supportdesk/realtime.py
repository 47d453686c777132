"""Websocket pushes. They are hints ("something changed"); pages resync over HTTP, so a lost
push costs a moment, never a ticket. Sent after commit, never from inside a transaction."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

AGENT_QUEUE_GROUP = "agent-queue"


def ticket_group(inquiry_id: int) -> str:
    return f"ticket-{inquiry_id}"


def _send(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "changed", **payload})
    except Exception as exc:  # noqa: BLE001 - a missed hint is recovered by the page's resync
        logger.warning("push to %s failed: %s", group, exc)


def ticket_changed_push(*, inquiry_id: int, queue: bool = True) -> None:
    def send() -> None:
        _send(ticket_group(inquiry_id), {"ticket": inquiry_id})
        if queue:
            _send(AGENT_QUEUE_GROUP, {"ticket": inquiry_id})

    transaction.on_commit(send)
