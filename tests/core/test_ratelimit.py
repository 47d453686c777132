"""core.ratelimit: who a client is behind our proxies, and the token bucket on the test run's Redis."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.test import RequestFactory, override_settings

from core import ratelimit
from core.ratelimit import Decision, client_identity, token_bucket_take
from scripts.redis_server import free_port
from tests.core.test_process import in_forked_child

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

