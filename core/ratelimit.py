"""Token bucket per client in Redis (capacity B, refill r tokens per second), atomic via Lua."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings

from core.process import PerProcess

logger = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV: capacity, refill per second, now (s), cost. Returns {allowed, retry_after_ms}.
# The TTL and the wait are capped: Redis refuses an EXPIRE or an integer reply it cannot represent.
_LUA = """
local cap = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]); local ts = tonumber(b[2])
if tokens == nil then tokens = cap; ts = now end
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local allowed = 0; local wait = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 else wait = (cost - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], math.min(math.ceil(cap / rate) + 60, 2147483647))
return {allowed, math.min(math.ceil(wait * 1000), 2147483647000)}
"""


def _script_register():
    from django_redis import get_redis_connection

    return get_redis_connection("default").register_script(_LUA)  # called by EVALSHA, loaded again if Redis lost it


_script = PerProcess(_script_register, name="core.ratelimit script")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # whole seconds, >= 1 when refused


def client_identity(request) -> str:
    """REMOTE_ADDR, or the address the trusted proxies in front of us saw."""
    hops = settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR", "unknown")


def token_bucket_take(*, key: str, capacity: int, refill_per_second: float, cost: int = 1) -> Decision:
    """Take `cost` tokens from the bucket `key`; capacity 0 lets everything through without asking Redis.

    Wrong arguments raise ValueError here, before the fail-open below: Redis would error on them and
    every request would pass (a refill of 0 made the script's EXPIRE fail; a cost above the capacity
    can never be met, so its Retry-After would be a lie)."""
    if capacity <= 0:
        return Decision(allowed=True, retry_after=0)
    if not (math.isfinite(refill_per_second) and refill_per_second > 0):
        raise ValueError(f"rate limit {key!r}: refill_per_second must be a positive number, not {refill_per_second!r}"
                         " (capacity 0 turns the limiter off)")
    if not 1 <= cost <= capacity:
        raise ValueError(f"rate limit {key!r}: cost {cost} can never be met by a bucket of capacity {capacity}")
    try:
        script = _script.get()
        allowed, wait_ms = script(keys=[f"rl:{key}"], args=[capacity, refill_per_second, time.time(), cost])
    except Exception as exc:  # noqa: BLE001 - limiter down: serve rather than lose the inquiry
        logger.warning("rate limiter unavailable, allowing request: %s", exc)
        return Decision(allowed=True, retry_after=0)
    return Decision(allowed=bool(allowed), retry_after=max(1, math.ceil(int(wait_ms) / 1000)) if not allowed else 0)


def submission_allowed(request) -> Decision:
    """What a person writes: inquiries (form and API), follow-ups and feedback share one bucket per
    client, so that switching between them buys no extra messages to agents or model runs."""
    return token_bucket_take(
        key=f"submit:{client_identity(request)}",
        capacity=settings.SUPPORTLOOP_RATE_CAPACITY,
        refill_per_second=settings.SUPPORTLOOP_RATE_REFILL_PER_SECOND,
    )


def signal_allowed(request) -> Decision:
    """The ticket page's implicit-feedback beacons: a bucket of their own, as a page sends them by
    itself (one each time it is hidden) and they must never use up what the customer may write."""
    return token_bucket_take(
        key=f"signal:{client_identity(request)}",
        capacity=settings.SUPPORTLOOP_RATE_SIGNAL_CAPACITY,
        refill_per_second=settings.SUPPORTLOOP_RATE_SIGNAL_REFILL_PER_SECOND,
    )
