"""Hot swap across processes: a promotion is announced on a Redis channel after commit; each web
process has one background thread that listens (reconnecting with backoff when Redis goes away)
and refreshes its model registry on a message, on a timer (the fallback) or when a request asks.

The message only says "look again": the database stays the one source of truth, so a lost,
duplicated or reordered message cannot make a process serve the wrong version for long.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import suppress

from django.conf import settings
from django.db import connection, transaction
from prometheus_client import Counter
from redis.exceptions import RedisError

from core.process import PerProcess

logger = logging.getLogger(__name__)

CHANNEL = "supportloop:model"
BACKOFF_MAX_SECONDS = 10.0

MODEL_REFUSED = Counter("supportloop_model_refused_total", "Bundles a web process refused to serve", ["version"])
MODEL_SWAPS = Counter("supportloop_model_swap_messages_total", "Model change messages received", [])


def _client(*, timeout: float):
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout,
                                health_check_interval=0)


def model_change_publish(*, version: str, event: str) -> bool:
    """Tell every web process to re-read the routing now; False when Redis is down (the timer catches up)."""
    try:
        client = _client(timeout=2.0)
        try:
            client.publish(CHANNEL, json.dumps({"version": version, "event": event, "at": time.time()}))
        finally:
            client.close()
    except (RedisError, OSError) as exc:  # the periodic check is the fallback
        logger.warning("model change %s %s not announced (Redis: %s); processes notice within %.0f s",
                       event, version, exc, settings.SUPPORTLOOP_MODEL_CHECK_SECONDS)
        return False
    return True


def model_change_announce_on_commit(*, version: str, event: str) -> None:
    transaction.on_commit(lambda: model_change_publish(version=version, event=event))


class Swapper:
    """One listener thread (Redis) and one loader thread (database + bundle loads) per process."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.messages = 0
        self.reconnects = 0
        self.loader = threading.Thread(target=self._load_loop, name="model-loader", daemon=True)
        self.listener = threading.Thread(target=self._listen_loop, name="model-listener", daemon=True)

    def start(self) -> Swapper:
        self.loader.start()
        if settings.SUPPORTLOOP_MODEL_PUSH:
            self.listener.start()
        return self

    def kick(self) -> None:
        self.wake.set()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()

    def _load_loop(self) -> None:
        from mlcore.serving import serving_refresh

        while not self.stopping.is_set():
            self.wake.wait(timeout=max(0.5, settings.SUPPORTLOOP_MODEL_CHECK_SECONDS))
            self.wake.clear()
            if self.stopping.is_set():
                break
            try:
                serving_refresh()
            except Exception:  # e.g. the database is away: keep serving, try again later
                logger.exception("model refresh failed; still serving the loaded version")
            finally:
                connection.close()  # this thread's own connection; never left open between checks

    def _listen_loop(self) -> None:
        delay = 0.5
        while not self.stopping.is_set():
            pubsub = None
            try:
                client = _client(timeout=5.0)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                if self.reconnects or self.messages:
                    self.kick()  # messages sent while we were away are lost: look now
                self.connected.set()
                delay = 0.5
                while not self.stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "message":
                        self.messages += 1
                        MODEL_SWAPS.inc()
                        self.kick()
            except (RedisError, OSError) as exc:  # Redis restarts, network blips: back off and retry
                if self.connected.is_set():
                    logger.warning("model channel lost (%s); reconnecting", exc)
                self.connected.clear()
                self.reconnects += 1
                self.stopping.wait(delay)
                delay = min(BACKOFF_MAX_SECONDS, delay * 2)
            finally:
                if pubsub is not None:
                    with suppress(RedisError, OSError):
                        pubsub.close()


def _swapper_start() -> Swapper:
    return Swapper().start()


# Started on first use in each process, and again in a forked child: threads do not survive a fork.
_swapper: PerProcess[Swapper] = PerProcess(_swapper_start, name="mlcore.swap swapper")


def swapper_ensure() -> Swapper:
    """The process's swapper, started on first use (after a fork too)."""
    return _swapper.get()


def swapper_stop() -> None:
    swapper = _swapper.pop()
    if swapper is not None:
        swapper.stop()
