"""Django's ASGI handler with the sync code of every request on a small, fixed set of threads.

Django runs each request's sync code on a thread of its own (a new ThreadSensitiveContext per
request). With one process per core that bought little parallelism but cost a thread start, a new
database connection per request (SQLite reads the whole schema on connect, ~1 ms) and GIL hand-offs
between up to 16 request threads (bench/serve.py). Here a request runs on the least busy of
SUPPORTLOOP_WEB_SYNC_THREADS long-lived threads, each keeping its connection (DATABASE_CONN_MAX_AGE).
With one (the default) a process serves sync views one at a time, as a WSGI sync worker does.
Websockets and async code stay on the event loop.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self, *, threads: int) -> None:
        super().__init__()
        self._executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"django-sync-{i}")
                           for i in range(max(1, threads))]
        self._busy = [0] * len(self._executors)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        i = min(range(len(self._busy)), key=self._busy.__getitem__)
        self._busy[i] += 1  # only the event loop thread touches it
        try:
            async with ThreadSensitiveContext(executor=self._executors[i]):
                await self.handle(scope, receive, send)
        finally:
            self._busy[i] -= 1
