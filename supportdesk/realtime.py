"""Websocket pushes. They are hints ("something changed"); pages resync over HTTP, so a lost
push costs a moment, never a ticket. Sent after commit, never from inside a transaction.

A request does not wait for Redis: hints go to one long-lived event loop per process, in a
background thread, which keeps its channel-layer connections open (async_to_sync on every
push opened a new loop and connection, ~5 ms per group; bench/serve.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

AGENT_QUEUE_GROUP = "agent-queue"

_lock = threading.Lock()
_loop: dict = {"loop": None, "pid": None}


def ticket_group(inquiry_id: int) -> str:
    return f"ticket-{inquiry_id}"


def _background_loop() -> asyncio.AbstractEventLoop:
    with _lock:
        if _loop["loop"] is None or _loop["pid"] != os.getpid():  # new process after a fork
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="realtime-pushes", daemon=True).start()
            _loop.update(loop=loop, pid=os.getpid())
        return _loop["loop"]


async def _send(groups: list[str], payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            await layer.group_send(group, {"type": "changed", **payload})
        except Exception as exc:  # noqa: BLE001 - a missed hint is recovered by the page's resync
            logger.warning("push to %s failed: %s", group, exc)


def hints_send(*, groups: list[str], payload: dict, wait: bool = False) -> None:
    future = asyncio.run_coroutine_threadsafe(_send(groups, payload), _background_loop())
    if wait:
        future.result(timeout=5)


def ticket_changed_push(*, inquiry_id: int, queue: bool = True) -> None:
    groups = [ticket_group(inquiry_id)] + ([AGENT_QUEUE_GROUP] if queue else [])
    transaction.on_commit(lambda: hints_send(groups=groups, payload={"ticket": inquiry_id}))
