"""Django's ASGI handler with every sync view of a process on one thread.

Django runs each request's sync code in a thread of its own (ThreadSensitiveContext per request).
On 2 cores with a process per core that bought no parallelism, only thread start-up, a new database
connection per request (SQLite reads the whole schema on connect, ~1 ms) and GIL hand-offs between
the request threads (bench/serve.py: hello-world 520-710 req/s, now ~1,080; the inquiry path 0.43-0.49
of the classify-only rate, now 0.60). Here sync code runs on asgiref's one thread per process, as a WSGI sync
worker would, so its connection can be kept (DATABASE_CONN_MAX_AGE). Websockets and async code stay
on the event loop; a slow sync view holds up the other sync views of its process, as under gunicorn.
"""

from django.core.handlers.asgi import ASGIHandler


class OneThreadASGIHandler(ASGIHandler):
    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)
