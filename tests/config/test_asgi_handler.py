import asyncio
import threading

import pytest
from channels.testing import HttpCommunicator
from django.core.signals import request_started

from config.asgi_handler import PooledThreadASGIHandler


@pytest.mark.django_db(transaction=True)
def test_sync_code_of_concurrent_requests_runs_on_the_fixed_threads():
    handler = PooledThreadASGIHandler(threads=2)
    seen: list[str] = []

    def record(sender, **kwargs):
        seen.append(threading.current_thread().name)

    async def requests() -> list[int]:
        communicators = [HttpCommunicator(handler, "GET", "/no-such-page/", headers=[(b"host", b"localhost")])
                         for _ in range(6)]
        answers = await asyncio.gather(*[c.get_response(timeout=20) for c in communicators])
        return [a["status"] for a in answers]

    request_started.connect(record)
    try:
        statuses = asyncio.run(requests())
    finally:
        request_started.disconnect(record)
    assert statuses == [404] * 6
    assert len(seen) == 6
    assert {name.rsplit("_", 1)[0] for name in seen} <= {"django-sync-0", "django-sync-1"}
    assert len(set(seen)) <= 2
