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
import threading
import time

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from core.process import PerProcess

logger = logging.getLogger(__name__)

PRUNE_ABOVE = 1000


class HintPusher:
    """This process's push loop (an event loop in a background thread) and its throttle.

    A PerProcess object: a forked child (Celery prefork, gunicorn) starts its own loop and forgets
    the parent's throttle, since the parent's thread is not there."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # guards next_at and waiting
        # Per (group, key): when the next hint may go out, and the payload waiting for it.
        self.next_at: dict[tuple[str, str], float] = {}
        self.waiting: dict[tuple[str, str], dict] = {}
        self.tasks: set[asyncio.Task] = set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="realtime-pushes", daemon=True).start()

    def send(self, *, groups: list[str], payload: dict, key: str, wait: bool) -> None:
        loop = self.loop
        if wait:
            asyncio.run_coroutine_threadsafe(_send(groups, payload), loop).result(timeout=5)
            return
        interval = settings.SUPPORTLOOP_HINT_INTERVAL_SECONDS
        now, now_groups, later = time.monotonic(), [], []
        with self.lock:
            next_at, waiting = self.next_at, self.waiting
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
            loop.call_soon_threadsafe(loop.call_later, delay, self._trailing_send, slot)

    def _trailing_send(self, slot: tuple[str, str]) -> None:
        with self.lock:
            payload = self.waiting.pop(slot, None)
            self.next_at[slot] = time.monotonic() + settings.SUPPORTLOOP_HINT_INTERVAL_SECONDS
        if payload is not None:
            task = asyncio.get_running_loop().create_task(_send([slot[0]], payload))
            self.tasks.add(task)  # the loop keeps only a weak reference to its tasks
            task.add_done_callback(self.tasks.discard)


_pusher: PerProcess[HintPusher] = PerProcess(HintPusher, name="core.realtime pusher")


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
    _pusher.get().send(groups=groups, payload=payload, key=key, wait=wait)


def hints_send_on_commit(*, groups: list[str], payload: dict, key: str = "") -> None:
    """The one way product code pushes: after the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: hints_send(groups=groups, payload=payload, key=key))
