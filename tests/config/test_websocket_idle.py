"""An idle live socket stays up: `make run`'s web server on the test Redis and database, a minute of
silence on a customer's ticket page and an agent's console, then a hint that must still arrive.

A channel-layer read that times out (redis-py's default socket timeout is channels-redis's 5 s
blocking read) kills the consumer and drops its socket without a close frame."""

import asyncio
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from scripts.redis_server import free_port
from scripts.run import web_command
from supportdesk.services import ticket_claim
from tests.conftest import ROOT, child_database_url
from tests.factories import InquiryFactory, UserFactory

IDLE_SECONDS = 60


def test_the_channel_layer_socket_timeout_outlasts_its_blocking_read():
    (host,) = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    assert host["socket_timeout"] >= 2 * RedisChannelLayer.brpop_timeout


@pytest.fixture
def web_server():
    port = free_port()
    env = dict(os.environ, DATABASE_URL=child_database_url(), DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("DATABASE_TEST_NAME", None)
    log = Path(os.environ["SUPPORTLOOP_VAR_DIR"]) / f"web-idle-{port}.log"
    proc = subprocess.Popen(web_command(host="127.0.0.1", port=port, workers="1"), cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://{base}/accounts/login/", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"the web server did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    yield base, log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


class IdleSocket:
    """One live socket held open; reconnects after a drop and counts the drops."""

    def __init__(self, *, url: str, origin: str, headers: list[tuple[str, str]]) -> None:
        self.url, self.origin, self.headers = url, origin, headers
        self.drops = 0
        self.ws = None

    async def open(self) -> None:
        self.ws = await connect(self.url, origin=self.origin, additional_headers=self.headers, open_timeout=10)

    async def idle(self, *, until: float) -> None:
        loop = asyncio.get_running_loop()
        while (left := until - loop.time()) > 0:
            try:
                message = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                return
            except ConnectionClosed:
                self.drops += 1
                await self.open()
                continue
            raise AssertionError(f"{self.url}: a message nobody sent: {message}")

    async def next_hint(self) -> dict | None:
        """The next hint, or None when it is lost (a drop, or nothing within 5 s)."""
        try:
            return json.loads(await asyncio.wait_for(self.ws.recv(), 5))
        except (TimeoutError, ConnectionClosed):
            return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_idle_sockets_stay_open_and_a_late_hint_arrives(web_server):
    base, log = web_server
    tickets = [InquiryFactory(status="escalated") for _ in range(2)]
    agent = UserFactory(username="bob", roles=["agent"])
    browser = Client()
    browser.force_login(agent)
    cookie = [("Cookie", f"sessionid={browser.cookies['sessionid'].value}")]
    origin = f"http://{base}"
    sockets = [IdleSocket(url=f"ws://{base}/ws/tickets/{t.token}/", origin=origin, headers=[]) for t in tickets]
    sockets += [IdleSocket(url=f"ws://{base}/ws/agent/queue/", origin=origin, headers=cookie) for _ in range(2)]

    async def scenario() -> list[dict]:
        await asyncio.gather(*[s.open() for s in sockets])
        until = asyncio.get_running_loop().time() + IDLE_SECONDS
        await asyncio.gather(*[s.idle(until=until) for s in sockets])
        for ticket in tickets:
            await sync_to_async(ticket_claim)(inquiry_id=ticket.pk, agent=agent)
        hints = await asyncio.gather(*[s.next_hint() for s in sockets])
        await asyncio.gather(*[s.ws.close() for s in sockets])
        return hints

    started = time.monotonic()
    hints = asyncio.run(scenario())
    drops = sum(s.drops for s in sockets)
    server_log = log.read_text()
    print(f"idle {time.monotonic() - started:.1f} s, {drops} drops over {len(sockets)} sockets")
    assert drops == 0, f"{drops} drops over {len(sockets)} sockets in {IDLE_SECONDS} s:\n{server_log[-3000:]}"
    assert "TimeoutError" not in server_log, server_log[-3000:]
    assert hints[:2] == [{"changed": t.pk} for t in tickets], hints
    assert all(h and h["changed"] in {t.pk for t in tickets} for h in hints[2:]), hints
