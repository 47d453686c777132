"""Login throttling with django-axes: the callables config/settings.py names in its AXES_* block.

Failures are counted per account and, separately, per client address (the rate limiter's). Either
reaching AXES_FAILURE_LIMIT within the cool-off locks it out. Each new lockout of an account or an
address is remembered in the cache for a day and doubles that one's next cool-off, up to the maximum.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttemptExpiration
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.ratelimit import client_identity

logger = logging.getLogger(__name__)

LEVEL_MEMORY_SECONDS = 24 * 3600
_MAX_DOUBLINGS = 30  # far past any sane maximum; keeps 2**n finite


def login_client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the rate limiter's client address, or None if it is no IP address."""
    identity = client_identity(request)
    try:
        ipaddress.ip_address(identity)
    except ValueError:
        return None  # ("unknown") the column is an inet on PostgreSQL
    return identity


def _level_key(*, parameter: str, value: str) -> str:
    return f"login-lockouts:{parameter}:{hashlib.sha256(value.encode()).hexdigest()}"


def _request_keys(request: HttpRequest) -> list[str]:
    # The username axes counts under (the login form's cleaned one), stashed by LoginThrottleHandler.
    username = getattr(request, "login_throttle_username", None) or get_client_username(request)
    ip_address = getattr(request, "axes_ip_address", None) or login_client_ip(request)
    pairs = (("username", username), ("ip_address", ip_address))
    return [_level_key(parameter=p, value=str(v)) for p, v in pairs if v]


def login_lockouts_level(*, request: HttpRequest) -> int:
    """How many lockouts the request's account or address (whichever has more) had in the last day."""
    keys = _request_keys(request)
    if not keys:
        return 0
    try:
        return max((int(n) for n in cache.get_many(keys).values()), default=0)
    except Exception as exc:  # noqa: BLE001 - cache down: the base cool-off still locks out
        logger.warning("login lockout levels unavailable: %s", exc)
        return 0


def login_cooloff(request: HttpRequest | None) -> timedelta:
    """AXES_COOLOFF_TIME: the base cool-off, doubled for each earlier lockout, up to the maximum."""
    base = settings.SUPPORTLOOP_LOGIN_COOLOFF_MINUTES * 60
    if request is None:
        return timedelta(seconds=base)
    doublings = min(max(login_lockouts_level(request=request) - 1, 0), _MAX_DOUBLINGS)
    return timedelta(seconds=min(base * 2**doublings, settings.SUPPORTLOOP_LOGIN_COOLOFF_MAX_MINUTES * 60))


def _lockout_remember(*, key: str) -> None:
    try:
        cache.add(key, 0, timeout=LEVEL_MEMORY_SECONDS)
        cache.incr(key)
        cache.touch(key, LEVEL_MEMORY_SECONDS)
    except Exception as exc:  # noqa: BLE001 - cache down: this lockout still holds, only without backoff
        logger.warning("login lockout level not recorded: %s", exc)


class LoginThrottleHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler, plus the lockout levels behind the growing cool-off."""

    def get_user_attempts(self, request, credentials=None):
        request.login_throttle_username = get_client_username(request, credentials)
        return super().get_user_attempts(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            request.login_throttle_username = get_client_username(request, credentials)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and request.axes_locked_out:
            self._lockouts_count(request=request, credentials=credentials)

    def _lockouts_count(self, *, request: HttpRequest, credentials: dict) -> None:
        """Raise the level of the account and/or address whose failures just reached the limit."""
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        started = {}
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            # Failures during a lockout are counted too, so == marks the one that began it.
            if isinstance(parameter, str) and attempts.aggregate(n=Sum("failures_since_start"))["n"] == limit:
                value = request.login_throttle_username if parameter == "username" else request.axes_ip_address
                if value:
                    started[parameter] = value
        if not started:
            return
        for parameter, value in started.items():
            _lockout_remember(key=_level_key(parameter=parameter, value=str(value)))
        # Axes set these attempts' expiry from the cool-off before this lockout raised it.
        cooloff = login_cooloff(request)
        matching = Q()
        for parameter, value in started.items():
            matching |= Q(**{f"access_attempt__{parameter}": value})
        for expiration in AccessAttemptExpiration.objects.filter(matching).select_related("access_attempt"):
            expires_at = expiration.access_attempt.attempt_time + cooloff
            if expires_at > expiration.expires_at:
                expiration.expires_at = expires_at
                expiration.save(update_fields=["expires_at"])


def login_lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with a page saying how long to wait (each refused try restarts the wait)."""
    seconds = math.ceil(login_cooloff(request).total_seconds())
    minutes = math.ceil(seconds / 60)
    context = {"wait_hours": minutes // 60, "wait_minutes": minutes % 60}
    response = render(request, "core/lockout.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response

