"""The websocket Origin check (config/origins.py): exact origins, scheme + host + port, against the
handshake's own Host and CSRF_TRUSTED_ORIGINS; a victim's session cookie opens nothing from elsewhere."""

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from config.origins import SameOriginValidator, websocket_origin_allowed
from tests.factories import UserFactory

HOST = "127.0.0.1:8000"


def scope(*, origin: str | None, host: str | None = HOST, scheme: str = "ws", **headers: str) -> dict:
    sent = {"origin": origin, "host": host, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return {"type": "websocket", "scheme": scheme,
            "headers": [(k.encode(), v.encode()) for k, v in sent.items() if v is not None]}


@pytest.mark.parametrize("origin", [
    "http://127.0.0.1:8000",
    "HTTP://127.0.0.1:8000",  # one origin, however it is written
])
def test_the_pages_own_origin_is_accepted(origin):
    assert websocket_origin_allowed(scope=scope(origin=origin))


@pytest.mark.parametrize(("origin", "why"), [
    ("http://127.0.0.1:9999", "another port on the same host"),
    ("http://127.0.0.1", "the default port is another port"),
    ("https://127.0.0.1:8000", "another scheme"),
    ("http://testserver", "another host"),
    ("http://evil.example", "a foreign site"),
    ("http://127.0.0.1.evil.example:8000", "a host that only starts like ours"),
    ("null", "an opaque origin (sandboxed frame, file://)"),
    ("http://127.0.0.1:8000/page", "not an origin"),
    ("", "empty"),
    (None, "no Origin header"),
])
def test_any_other_origin_is_refused(origin, why):
    assert not websocket_origin_allowed(scope=scope(origin=origin)), why


def test_the_default_port_is_the_same_origin_written_or_not():
    assert websocket_origin_allowed(scope=scope(origin="http://localhost", host="localhost"))
    assert websocket_origin_allowed(scope=scope(origin="http://localhost", host="localhost:80"))
    assert websocket_origin_allowed(scope=scope(origin="https://localhost", host="localhost", scheme="wss"))


def test_the_host_must_be_an_allowed_host():
    # DNS rebinding: the attacker's name pointing at us; Host and Origin agree, ALLOWED_HOSTS does not.
    assert not websocket_origin_allowed(scope=scope(origin="http://evil.example:8000", host="evil.example:8000"))
    assert not websocket_origin_allowed(scope=scope(origin="http://127.0.0.1:8000", host=None))


def test_wss_means_https():
    assert websocket_origin_allowed(scope=scope(origin="https://127.0.0.1:8000", scheme="wss"))
    assert not websocket_origin_allowed(scope=scope(origin="http://127.0.0.1:8000", scheme="wss"))


def test_behind_a_tls_proxy_the_proxy_header_decides_the_scheme(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["support.example.com"]
    host = "support.example.com"
    assert websocket_origin_allowed(scope=scope(origin=f"https://{host}", host=host, x_forwarded_proto="https"))
    assert not websocket_origin_allowed(scope=scope(origin=f"http://{host}", host=host, x_forwarded_proto="https"))
    assert not websocket_origin_allowed(scope=scope(origin=f"https://{host}", host=host, x_forwarded_proto="http"))
    # Without the header the connection's own scheme counts.
    assert not websocket_origin_allowed(scope=scope(origin=f"https://{host}", host=host))


def test_the_proxy_header_is_ignored_unless_configured(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert not websocket_origin_allowed(scope=scope(origin="https://127.0.0.1:8000", x_forwarded_proto="https"))


def test_csrf_trusted_origins_are_accepted_exactly(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.support.example.com"]
    for origin in ("https://app.example.com", "https://app.example.com:443", "https://eu.support.example.com"):
        assert websocket_origin_allowed(scope=scope(origin=origin)), origin
    for origin in ("http://app.example.com", "https://app.example.com:8443", "https://support.example.com.evil",
                   "http://eu.support.example.com"):
        assert not websocket_origin_allowed(scope=scope(origin=origin)), origin


class Accept(AsyncWebsocketConsumer):
    # No channel layer: this consumer only accepts. (A consumer cancelled while it waits on the Redis
    # layer can keep the test's event loop from closing; see issue #17.)
    channel_layer_alias = "none-for-this-test"

    async def connect(self):
        await self.accept()


async def test_a_refused_handshake_is_closed_before_it_opens():
    app = SameOriginValidator(Accept.as_asgi())
    comm = WebsocketCommunicator(app, "/ws/x/", headers=[(b"origin", b"http://127.0.0.1:9999"),
                                                         (b"host", HOST.encode())])
    assert await comm.connect(timeout=5) == (False, 1000)
    comm = WebsocketCommunicator(app, "/ws/x/", headers=[(b"origin", b"http://127.0.0.1:8000"),
                                                         (b"host", HOST.encode())])
    connected, _ = await comm.connect(timeout=5)
    assert connected
    await comm.disconnect()


async def test_a_refused_handshake_never_touches_the_channel_layer(monkeypatch):
    import channels.consumer

    def no_layer(alias="default"):
        raise AssertionError(f"a refused socket opened a channel on the layer {alias!r}")

    monkeypatch.setattr(channels.consumer, "get_channel_layer", no_layer)
    comm = WebsocketCommunicator(SameOriginValidator(Accept.as_asgi()), "/ws/x/",
                                 headers=[(b"origin", b"http://evil.example"), (b"host", HOST.encode())])
    assert await comm.connect(timeout=5) == (False, 1000)
    await comm.wait(timeout=1)  # the refusal has ended: nothing is left running on the loop


@pytest.fixture
def agent_cookie(transactional_db) -> bytes:
    client = Client()
    client.force_login(UserFactory(username="bob", roles=["agent"]))
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.parametrize(("origin", "opens"), [
    (b"http://127.0.0.1:8000", True),
    (b"http://127.0.0.1:9999", False),
    (b"https://127.0.0.1:8000", False),
    (b"http://testserver", False),
    (b"http://evil.example", False),
    (None, False),
])
async def test_an_agents_cookie_opens_the_queue_only_from_the_site_itself(agent_cookie, origin, opens):
    headers = [(b"host", HOST.encode()), (b"cookie", agent_cookie)] + ([(b"origin", origin)] if origin else [])
    comm = WebsocketCommunicator(application, "/ws/agent/queue/", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    await comm.disconnect()  # opened or refused, the consumer ends before the test's event loop does
    assert connected is opens
