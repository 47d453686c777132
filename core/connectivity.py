"""Whether this process can reach the system's Redis, for commands run beside `make run`.

A command's work is in the database, so it stands without Redis; what Redis carries is the news
(model-change announcements, websocket hints, background jobs). A command says so up front rather
than logging a connection error per push."""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, OutputWrapper


def redis_unreachable_warning(*, timeout: float = 1.0) -> str | None:
    """None when REDIS_URL answers a PING, else what the person running the command should do."""
    url = settings.REDIS_URL
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        return (f"Redis at {url} is not reachable ({exc}). The work is saved in the database, but no live "
                "update or background job goes out, and running web processes see a new model only at their next "
                "periodic check. Start `make run` (commands read the Redis it records in var/run.env) or point "
                "REDIS_URL at the running system's Redis.")
    return None


class SystemCommand(BaseCommand):
    """A management command whose work the running system hears of through Redis: warns first if it can't."""

    def execute(self, *args, **options):
        warning = redis_unreachable_warning()
        if warning:
            stderr = OutputWrapper(options["stderr"]) if options.get("stderr") else self.stderr
            stderr.write(self.style.WARNING(warning))
        return super().execute(*args, **options)
