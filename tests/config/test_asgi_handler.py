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


def hops_during(handler, path: str, monkeypatch) -> tuple[dict, int]:
    """One GET through the handler: the response, and how many sync_to_async hops it took."""
    from asgiref import sync

    hops = []
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    communicator = HttpCommunicator(handler, "GET", path, headers=[(b"host", b"localhost")])
    return asyncio.run(communicator.get_response(timeout=20)), len(hops)


@pytest.mark.django_db(transaction=True)
def test_the_middleware_chain_and_the_view_take_one_hop_to_the_request_thread(monkeypatch):
    response, hops = hops_during(PooledThreadASGIHandler(threads=1), "/no-such-page/", monkeypatch)
    assert response["status"] == 404
    headers = dict(response["headers"])
    assert headers[b"X-Frame-Options"] == b"DENY" and b"Content-Security-Policy" in headers  # the chain ran
    # The request, the signals around it and closing the response; Django's async chain took ~20 here.
    assert hops <= 4


@pytest.mark.django_db(transaction=True)
def test_an_async_view_still_answers_behind_the_sync_chain(monkeypatch):
    response, _ = hops_during(PooledThreadASGIHandler(threads=1), "/health/", monkeypatch)
    assert response["status"] in (200, 503)  # the verdict, whatever this machine's Redis says; never a 500
    assert b'"status"' in response["body"]
