"""Django's ASGI handler with the sync code of every request on a small, fixed set of threads.

Django runs each request's sync code on a thread of its own (a new ThreadSensitiveContext per
request): a thread start, a new database connection per request (SQLite reads the whole schema on
connect, ~1 ms) and GIL hand-offs between up to 16 request threads. Here a request runs on the least
busy of SUPPORTLOOP_WEB_SYNC_THREADS long-lived threads, each keeping its connection
(DATABASE_CONN_MAX_AGE). With one (the default) a process serves sync views one at a time, as a WSGI
sync worker does. Websockets and async code stay on the event loop.

The middleware chain is loaded sync and runs with the view in one hop to that thread. Django's async
chain adapts each sync middleware hook on its own: 19 thread hops for one request here, against 3
(tests/config/test_asgi_handler.py). Measured (bench/serve.py, same machine, one run each): hello
692 -> 1,504-1,572 req/s, classify 258 -> 257-268, full inquiry path 123 -> 119 (94 in a run whose
accept race gave one worker 15 of 16 connections). An async view (the health check) still runs, on
the event loop, from the sync chain.

Measured (issue #12; bench/serve.py's sandbox, server commands and wrk scripts, 16 connections, the
variants served side by side and run in interleaved rounds, 10 x 3 s per endpoint, 2 shared cores;
SQLite, ORM writes), req/s hello / classify / full inquiry path, and paired ratio to this handler:
  this handler, uvicorn 2 workers:          1940 / 418 / 207
  Django's ASGIHandler, CONN_MAX_AGE=0:      928 / 308 / 134   0.49 / 0.74 / 0.66
                                                                (0.49-0.74 / 0.64-0.86 / 0.64-0.83 in 5 runs)
  gunicorn, 2 sync workers (WSGI):          3910 / 495 / 231   2.03 / 1.18 / 1.09 (two quiet runs; under
                                                                load 5-7: 1.17-1.22 / 0.46-0.56 / 0.69-0.76)
Kept because the stock ASGIHandler costs a quarter to a half of the rate in the present layout (one
uvicorn serving HTTP and websockets on one address, no proxy in `make run`). Gunicorn for HTTP is the
stock way to the same effect and was faster on a quiet machine, but serves no websockets: it needs a
second server for /ws/ and a router in front. When the serving path is redesigned that way, this
module goes. Reproduce: bench/serve.py --layout both (uvicorn with this handler against gunicorn); for
the stock handler serve `django.core.handlers.asgi.ASGIHandler()` from config/asgi.py with
DATABASE_CONN_MAX_AGE=0.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self, *, threads: int) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
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

    async def get_response_async(self, request):
        # One hop for the whole sync chain and the view (see the module's docstring).
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
