"""Login throttling (django-axes + core.login_throttle): per account and per address, backoff, unlocking."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from channels.testing import HttpCommunicator
from django.core.cache import cache
from django.core.management import call_command
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from core.login_throttle import login_client_ip
from core.ratelimit import client_identity
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
LIMIT = 5
COOLOFF = timedelta(minutes=15)
HOME, WORK, CAFE = "203.0.113.10", "203.0.113.20", "203.0.113.30"
LOGIN, ADMIN_LOGIN = "/accounts/login/", "/admin/login/"


@pytest.fixture(autouse=True)
def throttle(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.SUPPORTLOOP_LOGIN_COOLOFF_MINUTES = COOLOFF.total_seconds() / 60
    settings.SUPPORTLOOP_LOGIN_COOLOFF_MAX_MINUTES = 24 * 60
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hundreds of logins here
    cache.delete_pattern("login-lockouts:*")  # the levels live in the session's Redis, not the test database
    yield
    cache.delete_pattern("login-lockouts:*")


def attempt(client: Client, *, username: str, password: str, ip: str = HOME, path: str = LOGIN, **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client: Client, *, username: str, times: int = 1, ip: str = HOME, path: str = LOGIN) -> list[int]:
    return [attempt(client, username=username, password="wrong", ip=ip, path=path).status_code for _ in range(times)]


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def time_passes(delta: timedelta) -> None:
    """Age every recorded attempt, as if `delta` had passed (no clock library in the project)."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - delta)


def assert_locked_out(response, *, wait: str, seconds: int) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(seconds)
    page = response.content.decode()
    assert "Login paused" in page
    assert f"Please wait <strong>{wait}</strong>" in page
    assert "SupportLoop" in page  # the site's base template around it


# The lockout


@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
def test_after_the_limit_even_the_right_password_is_refused_with_429(client, admin_user, path):
    statuses = fail(client, username="root", times=20, path=path)
    assert statuses == [200] * (LIMIT - 1) + [429] * (20 - LIMIT + 1)

    response = attempt(client, username="root", password=PASSWORD, path=path)

    assert_locked_out(response, wait="15 minutes", seconds=900)
    assert not logged_in(client)


@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
def test_fewer_failures_than_the_limit_leave_the_right_password_working(client, admin_user, path):
    assert fail(client, username="root", times=LIMIT - 1, path=path) == [200] * (LIMIT - 1)

    response = attempt(client, username="root", password=PASSWORD, path=path)

    assert response.status_code == 302
    assert logged_in(client)


def test_the_address_limit_locks_out_another_account_from_that_address(client, bob_agent):
    for n in range(LIMIT):  # one failure each: no account reaches the limit
        assert fail(client, username=f"guess{n}", ip=CAFE) == [429 if n == LIMIT - 1 else 200]

    assert attempt(client, username="bob", password=PASSWORD, ip=CAFE).status_code == 429
    assert not logged_in(client)
    assert attempt(Client(), username="bob", password=PASSWORD, ip=HOME).status_code == 302


def test_the_account_limit_locks_the_account_out_from_another_address(client, bob_agent, alice):
    for n in range(LIMIT):  # one failure from each address: no address reaches the limit
        assert fail(client, username="bob", ip=f"198.51.100.{n}") == [429 if n == LIMIT - 1 else 200]

    assert attempt(client, username="bob", password=PASSWORD, ip=WORK).status_code == 429
    assert not logged_in(client)
    assert attempt(Client(), username="alice", password=PASSWORD, ip="198.51.100.0").status_code == 302


def test_an_address_behind_the_proxies_is_the_rate_limiters_client(client, bob_agent, settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for n in range(LIMIT):
        attempt(client, username=f"guess{n}", password="wrong", ip=proxy, HTTP_X_FORWARDED_FOR=CAFE)

    request = RequestFactory().post(LOGIN, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=CAFE)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {client_identity(request)} == {CAFE}
    assert attempt(client, username="bob", password=PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=CAFE).status_code == 429
    ok = attempt(Client(), username="bob", password=PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=HOME)
    assert ok.status_code == 302  # the proxy's own address is not what is locked out


def test_an_address_that_is_no_ip_is_counted_as_unknown_not_a_500(client, bob_agent):
    assert login_client_ip(RequestFactory().get("/", REMOTE_ADDR="unknown")) is None
    statuses = [fail(client, username=f"guess{n}", ip="not-an-ip")[0] for n in range(LIMIT)]

    assert statuses == [200] * (LIMIT - 1) + [429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {None}


def test_a_success_from_the_address_does_not_clear_its_failures(client, bob_agent, alice):
    fail(client, username="bob", times=LIMIT - 1, ip=CAFE)
    assert attempt(Client(), username="alice", password=PASSWORD, ip=CAFE).status_code == 302  # her own account

    assert fail(client, username="bob", ip=CAFE) == [429]


def test_a_lockout_is_answered_429_under_asgi_too(bob_agent, transactional_db):
    from config.asgi import application

    async def post(username: str, password: str) -> dict:
        page = await request("GET", headers=[])
        cookie = next(v for k, v in page["headers"] if k.lower() == b"set-cookie" and v.startswith(b"csrftoken="))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page["body"]).group(1).decode()
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
        headers = [(b"cookie", cookie.split(b";")[0]), (b"content-type", b"application/x-www-form-urlencoded")]
        return await request("POST", headers=headers, body=body)

    async def request(method: str, *, headers: list, body: bytes = b"") -> dict:
        communicator = HttpCommunicator(application, method, LOGIN, body=body, headers=[(b"host", b"localhost"),
                                                                                         *headers])
        communicator.scope["client"] = (WORK, 40000)
        return await communicator.get_response(timeout=20)

    async def scenario() -> list[dict]:
        return [await post("bob", "wrong") for _ in range(LIMIT)] + [await post("bob", PASSWORD)]

    answers = asyncio.run(scenario())

    assert [a["status"] for a in answers] == [200] * (LIMIT - 1) + [429, 429]
    last = answers[-1]
    assert b"Please wait <strong>15 minutes</strong>" in last["body"]
    assert not any(k.lower() == b"set-cookie" and v.startswith(b"sessionid=") for k, v in last["headers"])


# Cool-off and backoff


def test_after_the_cooloff_the_right_password_works_and_a_try_before_restarts_it(client, bob_agent):
    fail(client, username="bob", times=LIMIT)

    time_passes(COOLOFF - timedelta(minutes=1))
    assert attempt(client, username="bob", password=PASSWORD).status_code == 429  # the wait starts again
    time_passes(COOLOFF - timedelta(minutes=1))
    assert attempt(client, username="bob", password=PASSWORD).status_code == 429
    time_passes(COOLOFF + timedelta(seconds=1))

    assert attempt(client, username="bob", password=PASSWORD).status_code == 302
    assert logged_in(client)


def test_each_further_lockout_doubles_the_cooloff(client, bob_agent):
    fail(client, username="bob", times=LIMIT)
    time_passes(COOLOFF + timedelta(seconds=1))

    assert fail(client, username="bob", times=LIMIT - 1) == [200] * (LIMIT - 1)
    assert_locked_out(attempt(client, username="bob", password="wrong"), wait="30 minutes", seconds=1800)
    time_passes(COOLOFF + timedelta(seconds=1))
    assert attempt(client, username="bob", password=PASSWORD).status_code == 429  # 16 of 30 minutes
    time_passes(COOLOFF + timedelta(seconds=1))
    assert attempt(client, username=" bob ", password=PASSWORD, ip=CAFE).status_code == 429  # stripped: still bob
    time_passes(2 * COOLOFF + timedelta(seconds=1))
    assert attempt(client, username="bob", password=PASSWORD).status_code == 302

    client.logout()
    fail(client, username="bob", times=LIMIT - 1)
    assert_locked_out(attempt(client, username="bob", password="wrong"), wait="1 hour", seconds=3600)


def test_a_longer_lockout_outlives_a_shorter_ones_clean_up(client, bob_agent, alice):
    fail(client, username="bob", times=LIMIT, ip=HOME)
    time_passes(COOLOFF + timedelta(seconds=1))
    fail(client, username="bob", times=LIMIT, ip=WORK)  # 30 minutes now
    time_passes(COOLOFF + timedelta(seconds=1))

    fail(Client(), username="alice", ip=CAFE)  # a fresh client's failure removes what has expired

    assert AccessAttempt.objects.filter(username="bob").exists()
    assert attempt(client, username="bob", password=PASSWORD, ip=CAFE).status_code == 429


def test_the_cooloff_grows_per_address_too_and_stops_at_the_maximum(client, bob_agent, settings):
    settings.SUPPORTLOOP_LOGIN_COOLOFF_MAX_MINUTES = 20
    for n in range(LIMIT):  # a different account each time: only the address is locked out
        attempt(client, username=f"guess{n}", password="wrong", ip=CAFE)
    time_passes(COOLOFF + timedelta(seconds=1))
    for n in range(LIMIT - 1):
        attempt(client, username=f"other{n}", password="wrong", ip=CAFE)

    assert_locked_out(attempt(client, username="last", password="wrong", ip=CAFE), wait="20 minutes", seconds=1200)
    assert attempt(Client(), username="bob", password=PASSWORD, ip=HOME).status_code == 302  # bob had none


def test_without_the_cache_the_lockout_still_holds_at_the_base_cooloff(client, bob_agent):
    from scripts.redis_server import free_port

    nowhere = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
                           "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}}}
    with override_settings(CACHES=nowhere):
        fail(client, username="bob", times=LIMIT - 1)

        assert_locked_out(attempt(client, username="bob", password="wrong"), wait="15 minutes", seconds=900)
        assert attempt(client, username="bob", password=PASSWORD).status_code == 429


# Unlocking


def test_an_admin_unlocks_by_deleting_the_attempt_in_the_admin(client, bob_agent, admin_user):
    fail(client, username="bob", times=LIMIT, ip=CAFE)
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and b"bob" in listing.content and b"Locked Out" in listing.content
    (pk,) = AccessAttempt.objects.filter(username="bob").values_list("pk", flat=True)

    response = admin.post(reverse("admin:axes_accessattempt_delete", args=[pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert attempt(client, username="bob", password=PASSWORD, ip=CAFE).status_code == 302


@pytest.mark.parametrize(("command", "args"), [("axes_reset_username", ["bob"]), ("axes_reset_ip", [CAFE]),
                                               ("axes_reset", [])])
def test_the_axes_reset_commands_unlock(client, bob_agent, command, args):
    fail(client, username="bob", times=LIMIT, ip=CAFE)

    call_command(command, *args, stdout=io.StringIO())

    assert attempt(client, username="bob", password=PASSWORD, ip=CAFE).status_code == 302


# Setup


def test_axes_migrations_exist_and_are_applied(db):
    call_command("makemigrations", "axes", "--check", "--dry-run", verbosity=0)  # exits 1 if a model lacks one
    applied = {name for app, name in MigrationRecorder.Migration.objects.values_list("app", "name") if app == "axes"}
    assert "0001_initial" in applied and "0010_accessattemptexpiration" in applied


def test_a_forced_login_in_tests_still_works_with_the_axes_backend_first(client, db):
    client.force_login(UserFactory(username="carol"))
    assert logged_in(client)
