"""The websocket handshake's Origin check: a live socket opens only from this site's own pages.

Browsers send their cookies with a websocket handshake from any page, on any site (websockets have
no CORS), so the Origin header is what tells our pages from a foreign one (cross-site websocket
hijacking). Accepted, compared as scheme + host + port:

- the origin of the handshake itself, built like Django's CSRF check builds it: the Host header
  (X-Forwarded-Host under USE_X_FORWARDED_HOST), which must pass ALLOWED_HOSTS, and https when the
  connection is wss or the header named by SECURE_PROXY_SSL_HEADER says so (a TLS proxy);
- the origins in CSRF_TRUSTED_ORIGINS, including their "https://*.example.com" form.

A handshake without an Origin header is refused, as channels' AllowedHostsOriginValidator did:
every browser sends one, and a non-browser client can send one too.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _origin_parse(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a serialized origin, None for anything else ("null", paths, junk)."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    if parts.path or parts.query or parts.fragment:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _scope_secure(scope: dict) -> bool:
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        value = _header(scope, name)
        if value is not None:
            return value.split(",")[0].strip() == secure_value
    return scope.get("scheme", "ws") == "wss"


def _scope_host(scope: dict) -> str | None:
    """The handshake's host, None when ALLOWED_HOSTS does not allow it."""
    host = None
    if settings.USE_X_FORWARDED_HOST:
        host = _header(scope, b"x-forwarded-host")
    host = host or _header(scope, b"host")
    if not host:
        return None
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return host if domain and validate_host(domain, allowed) else None


def _trusted(origin: str, parsed: tuple[str, str, int]) -> bool:
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" in trusted:  # Django's subdomain form, matched as its CSRF check matches it
            parts = urlsplit(trusted)
            pattern = parts.netloc[parts.netloc.index("*") + 1:]
            if parts.scheme == parsed[0] and is_same_domain(urlsplit(origin).netloc.lower(), pattern):
                return True
        elif _origin_parse(trusted) == parsed:
            return True
    return False


def websocket_origin_allowed(*, scope: dict) -> bool:
    origin = _header(scope, b"origin")
    parsed = _origin_parse(origin) if origin else None
    if parsed is None:
        return False
    host = _scope_host(scope)
    if host is not None and _origin_parse(f"{'https' if _scope_secure(scope) else 'http'}://{host}") == parsed:
        return True
    return _trusted(origin, parsed)


class SameOriginValidator:
    """ASGI middleware: a websocket handshake from another origin is refused (HTTP 403)."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator is for websocket connections only")
        if websocket_origin_allowed(scope=scope):
            return await self.application(scope, receive, send)
        logger.warning("websocket %s refused: Origin %r is not this site's", scope.get("path"),
                       _header(scope, b"origin"))
        return await websocket_refuse(receive=receive, send=send)


async def websocket_refuse(*, receive, send) -> None:
    """Refuse a handshake: a close before the accept, which the server answers with HTTP 403.

    Plain ASGI rather than channels' WebsocketDenier, which is a whole consumer: it also opens a channel on
    the channel layer and waits on it (a blocking Redis read per refused socket), and a consumer cancelled
    in that read kept an event loop from closing (issue #17)."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close"})
