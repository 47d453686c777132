"""Websocket pushes. They are hints ("something changed"); pages resync over HTTP, so a lost
push costs a moment, never a ticket. Sent after commit, never from inside a transaction.

A request does not wait for Redis: hints go to one long-lived event loop per process, in a
background thread, which keeps its channel-layer connections open (async_to_sync on every
push opened a new loop and connection, ~5 ms per group; bench/serve.py).

Hints to one group (and key) are throttled per process: the first goes out at once, later ones
within SUPPORTLOOP_HINT_INTERVAL_SECONDS are merged into one trailing hint that carries the latest
payload. Under a burst of escalations every agent page would otherwise refetch its queue once per
ticket, and the pushes cost the web process ~5% of its CPU (bench/serve.py, py-spy).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

PRUNE_ABOVE = 1000
_tasks: set[asyncio.Task] = set()

_lock = threading.Lock()
# Per process: the loop, and per (group, key) when the next hint may go out and the payload waiting for it.
_loop: dict = {"loop": None, "pid": None, "next_at": {}, "waiting": {}}


def _background_loop() -> asyncio.AbstractEventLoop:
    with _lock:
        if _loop["loop"] is None or _loop["pid"] != os.getpid():  # new process after a fork
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="realtime-pushes", daemon=True).start()
            _loop.update(loop=loop, pid=os.getpid(), next_at={}, waiting={})
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


def hints_send(*, groups: list[str], payload: dict, key: str = "", wait: bool = False) -> None:
    """Send a hint to each group; `key` names what it is about when receivers read the payload
    (hints with different keys are never merged). wait=True sends at once and waits (tests, probes)."""
    loop = _background_loop()
    if wait:
        asyncio.run_coroutine_threadsafe(_send(groups, payload), loop).result(timeout=5)
        return
    interval = settings.SUPPORTLOOP_HINT_INTERVAL_SECONDS
    now, now_groups, later = time.monotonic(), [], []
    with _lock:
        next_at, waiting = _loop["next_at"], _loop["waiting"]
        if len(next_at) > PRUNE_ABOVE:  # one slot per ticket group: forget those long past
            for slot in [s for s, at in next_at.items() if at < now and s not in waiting]:
                del next_at[slot]
        for group in groups:
            slot = (group, key)
            if slot in waiting:  # a trailing hint is already scheduled: it will carry this payload
                waiting[slot] = payload
            elif now >= next_at.get(slot, 0.0):
                next_at[slot] = now + interval
                now_groups.append(group)
            else:
                waiting[slot] = payload
                later.append((slot, next_at[slot] - now))
    if now_groups:
        asyncio.run_coroutine_threadsafe(_send(now_groups, payload), loop)
    for slot, delay in later:
        loop.call_soon_threadsafe(loop.call_later, delay, _trailing_send, slot)


def _trailing_send(slot: tuple[str, str]) -> None:
    with _lock:
        payload = _loop["waiting"].pop(slot, None)
        _loop["next_at"][slot] = time.monotonic() + settings.SUPPORTLOOP_HINT_INTERVAL_SECONDS
    if payload is not None:
        task = asyncio.get_running_loop().create_task(_send([slot[0]], payload))
        _tasks.add(task)  # the loop keeps only a weak reference to its tasks
        task.add_done_callback(_tasks.discard)


def hints_send_on_commit(*, groups: list[str], payload: dict, key: str = "") -> None:
    """The one way product code pushes: after the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: hints_send(groups=groups, payload=payload, key=key))
