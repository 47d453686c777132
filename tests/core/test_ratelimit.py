"""core.ratelimit: who a client is behind our proxies, and the token bucket on the test run's Redis."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from core import ratelimit
from core.ratelimit import Decision, client_identity, signal_allowed, submission_allowed, token_bucket_take
from scripts.redis_server import free_port
from tests.core.test_process import in_forked_child

ROOT = Path(__file__).resolve().parents[2]
ALICE = "203.0.113.7"  # a customer
MALLORY = "198.51.100.66"  # a customer who writes her own X-Forwarded-For
EDGE, INNER = "10.0.0.1", "10.0.0.2"  # our proxies, outermost first


def identity(*, remote=INNER, forwarded=None) -> str:
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_identity(RequestFactory().post("/api/inquiries/", REMOTE_ADDR=remote, **extra))


# client_identity


def test_without_trusted_proxies_the_client_is_the_peer_and_the_header_is_ignored(settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 0
    assert identity(remote=ALICE) == ALICE
    assert identity(remote=MALLORY, forwarded=ALICE) == MALLORY  # anybody can send the header


def test_behind_one_proxy_the_client_is_the_last_hop_it_recorded(settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 1
    assert identity(remote=EDGE, forwarded=ALICE) == ALICE
    assert identity(remote=EDGE, forwarded=f"{ALICE}, {MALLORY}") == MALLORY  # Mallory claimed to be Alice


def test_behind_two_proxies_the_client_is_the_second_hop_from_the_right(settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 2
    assert identity(forwarded=f"{ALICE}, {EDGE}") == ALICE
    assert identity(forwarded=f"{ALICE}, {MALLORY}, {EDGE}") == MALLORY


def test_a_chain_shorter_than_the_trusted_hops_falls_back_to_the_peer(settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 2
    assert identity(remote=INNER, forwarded=ALICE) == INNER
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 1
    assert identity(remote=EDGE, forwarded="") == EDGE
    assert identity(remote=EDGE) == EDGE


def test_spaces_and_empty_entries_in_the_chain_do_not_count_as_hops(settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 2
    assert identity(forwarded=f"  {ALICE} ,, {EDGE}  , ") == ALICE
    assert identity(remote=INNER, forwarded=" , ,") == INNER


def test_a_request_without_any_address_is_unknown(settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_identity(request) == "unknown"


# token_bucket_take, on the real Redis; the clock is ours so that refills are exact


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ratelimit, "time", clock)
    return clock


@pytest.fixture
def key() -> str:
    return f"test-{uuid.uuid4().hex}"  # fresh per test, also on a Redis kept between runs (TEST_REDIS_URL)


def test_a_full_bucket_serves_its_capacity_then_refuses(clock, key):
    takes = [token_bucket_take(key=key, capacity=3, refill_per_second=0.5) for _ in range(4)]
    assert takes == [Decision(True, 0)] * 3 + [Decision(False, 2)]  # one token in 2 s at 0.5/s
    assert token_bucket_take(key=f"{key}-bob", capacity=3, refill_per_second=0.5).allowed  # buckets are per key


def test_tokens_come_back_at_the_refill_rate_and_refusals_cost_nothing(clock, key):
    take = lambda: token_bucket_take(key=key, capacity=2, refill_per_second=0.5)  # noqa: E731
    assert [take().allowed for _ in range(3)] == [True, True, False]
    clock.now += 1.0  # half a token
    assert take() == Decision(False, 1)
    clock.now += 1.0  # one token: the refused takes did not eat into it
    assert [take().allowed for _ in range(2)] == [True, False]


def test_an_idle_bucket_fills_up_to_its_capacity_only(clock, key):
    take = lambda: token_bucket_take(key=key, capacity=2, refill_per_second=0.5)  # noqa: E731
    take(), take()
    clock.now += 3600
    assert [take().allowed for _ in range(3)] == [True, True, False]


def test_a_take_can_cost_several_tokens(clock, key):
    take = lambda cost: token_bucket_take(key=key, capacity=5, refill_per_second=1.0, cost=cost)  # noqa: E731
    assert take(3).allowed
    assert take(3) == Decision(False, 1)  # 2 left, one short
    assert take(2).allowed
    assert take(5) == Decision(False, 5)


@pytest.mark.parametrize(("rate", "retry_after"), [(4.0, 1), (1.0, 1), (0.4, 3), (0.01, 100)])
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one(clock, key, rate, retry_after):
    assert token_bucket_take(key=key, capacity=1, refill_per_second=rate).allowed
    assert token_bucket_take(key=key, capacity=1, refill_per_second=rate) == Decision(False, retry_after)


def test_retry_after_is_honest(clock, key):
    take = lambda: token_bucket_take(key=key, capacity=1, refill_per_second=0.3)  # noqa: E731
    take()
    refused = take()
    assert refused.retry_after == 4  # 3.33 s
    clock.now += refused.retry_after
    assert take().allowed


def closed_port_cache() -> dict:
    from django.conf import settings

    return {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}


def take_with_redis_down(*, capacity: int) -> dict:
    """In a forked child, whose rate limiter has not talked to any Redis yet, with Redis on a closed port."""

    def check() -> dict:
        seen: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.levelno >= logging.WARNING:
                    seen.append(record.getMessage())

        logging.getLogger("core.ratelimit").addHandler(Keep())
        with override_settings(CACHES=closed_port_cache()):
            d = token_bucket_take(key="redis-down", capacity=capacity, refill_per_second=1.0)
        return {"allowed": d.allowed, "retry_after": d.retry_after, "warnings": seen}

    return in_forked_child(check)


def test_an_unreachable_redis_lets_the_request_through_with_a_warning():
    out = take_with_redis_down(capacity=1)
    assert (out["allowed"], out["retry_after"]) == (True, 0)
    assert len(out["warnings"]) == 1 and out["warnings"][0].startswith("rate limiter unavailable, allowing request")


def test_capacity_zero_is_unlimited_and_never_asks_redis(key):
    assert all(token_bucket_take(key=key, capacity=0, refill_per_second=0.5).allowed for _ in range(50))
    assert take_with_redis_down(capacity=0) == {"allowed": True, "retry_after": 0, "warnings": []}



# arguments the script cannot honour are refused here, not failed open in Redis


def take_logged(caplog, **kwargs) -> Decision:
    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        return token_bucket_take(**kwargs)


@pytest.mark.parametrize("rate", [0, 0.0, -1.0, float("nan"), float("inf")])
def test_a_bucket_that_never_refills_is_a_clear_error_not_an_open_door(key, caplog, rate):
    with pytest.raises(ValueError, match="refill_per_second must be a positive number"):
        take_logged(caplog, key=key, capacity=3, refill_per_second=rate)
    assert not caplog.records  # it never reached Redis, so nothing failed open


def test_a_refill_so_slow_its_ttl_would_overflow_still_limits(clock, key, caplog):
    assert take_logged(caplog, key=key, capacity=1, refill_per_second=1e-18).allowed  # TTL 10^18 s: Redis errs
    refused = take_logged(caplog, key=key, capacity=1, refill_per_second=1e-18)
    assert not refused.allowed and refused.retry_after == 2_147_483_647  # capped, still a whole number
    assert not caplog.records


@pytest.mark.parametrize("cost", [0, -1, 4])
def test_a_cost_the_bucket_can_never_meet_is_a_clear_error(key, caplog, cost):
    with pytest.raises(ValueError, match=f"cost {cost} can never be met by a bucket of capacity 3"):
        take_logged(caplog, key=key, capacity=3, refill_per_second=1.0, cost=cost)
    assert not caplog.records
    assert token_bucket_take(key=key, capacity=3, refill_per_second=1.0, cost=3).allowed  # the whole bucket is fine


def test_capacity_zero_turns_the_bucket_off_whatever_its_refill(key):
    assert token_bucket_take(key=key, capacity=0, refill_per_second=0).allowed


def manage_check(env: dict) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTLOOP_RATE")} | env
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("bucket", ["SUPPORTLOOP_RATE", "SUPPORTLOOP_RATE_SIGNAL"])
def test_settings_refuse_a_bucket_that_never_refills(bucket):
    refused = manage_check({f"{bucket}_CAPACITY": "5", f"{bucket}_REFILL_PER_SECOND": "0"})
    assert refused.returncode != 0
    assert f"{bucket}_REFILL_PER_SECOND must be a positive number of tokens per second" in refused.stderr
    off = manage_check({f"{bucket}_CAPACITY": "0", f"{bucket}_REFILL_PER_SECOND": "0"})
    assert off.returncode == 0, off.stderr


# the buckets of the entry points


def client_request(address: str):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def test_beacons_have_a_bucket_of_their_own(clock, settings):
    settings.SUPPORTLOOP_RATE_CAPACITY, settings.SUPPORTLOOP_RATE_REFILL_PER_SECOND = 2, 0.01
    settings.SUPPORTLOOP_RATE_SIGNAL_CAPACITY, settings.SUPPORTLOOP_RATE_SIGNAL_REFILL_PER_SECOND = 3, 0.5
    alice = client_request(f"test-{uuid.uuid4().hex}")  # fresh, also on a kept Redis
    assert [submission_allowed(alice).allowed for _ in range(3)] == [True, True, False]
    assert [signal_allowed(alice).allowed for _ in range(4)] == [True, True, True, False]  # writing left them alone
    assert signal_allowed(alice).retry_after == 2
    assert not submission_allowed(alice).allowed  # and beacons gave nothing back to writing
