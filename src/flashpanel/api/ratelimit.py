"""Per-key, per-endpoint-class rate limits (moving window), shared through Redis when configured.

With Redis, every process shares one budget per key, in ``limits``' moving-window layout (one list of
hit times per key, newest first). A rate-limited request costs one round trip there: :data:`HIT_SCRIPT`
counts the hit and returns the window's figures together, where ``limits`` needs a second call for
them (D43). Failure counters (log-ins, bad keys) still use ``limits`` itself, on the same layout.
Without Redis, the counting is :class:`LocalWindow`'s: ``limits``' in-memory moving window keeps one
object per request and, under load, re-scans every key on a worker thread after nearly every hit,
which cost a fifth of the API process's CPU on GET /balance (docs/benchmarks.md, D18).
"""

from __future__ import annotations

import math
import time
from array import array
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from flashpanel.config import Settings
from flashpanel.errors import RateLimited

SLICES = 60  # a local window counts hits in slices of 1/60 of its length (1 s for a per-minute limit)
SLOTS = SLICES + 1  # a slice stays until its end is a window old: the window spans 61 slice numbers
_ZEROS = SLOTS * array("L").itemsize


# limits' acquire_moving_window.lua (cost 1) followed by its moving_window.lua, in one script: whether the
# hit was counted, how many hits the window holds now and the time of the oldest (a string: Lua numbers
# come back from Redis truncated to integers).
HIT_SCRIPT = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local expiry = tonumber(ARGV[3])
local since = now - expiry
local allowed = 0
local last = redis.call('lindex', KEYS[1], limit - 1)
if not (last and tonumber(last) >= since) then
    redis.call('lpush', KEYS[1], ARGV[1])
    redis.call('ltrim', KEYS[1], 0, limit - 1)
    redis.call('expire', KEYS[1], expiry)
    allowed = 1
end
local low, high, found = 0, limit - 1, -1
while low <= high do
    local mid = math.floor((low + high) / 2)
    local value = tonumber(redis.call('lindex', KEYS[1], mid))
    if value and value >= since then
        found = mid
        low = mid + 1
    else
        high = mid - 1
    end
end
if found < 0 then
    return {allowed, 0, ARGV[1]}
end
return {allowed, found + 1, redis.call('lindex', KEYS[1], found)}
"""


class RateClass(StrEnum):
    BALANCE = "balance"
    LIST = "list"
    ORDERS = "orders"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class RateHeaders:
    limit: int
    remaining: int
    reset: int

    def as_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class _Hits:
    """One key's hits per slice, in a ring of the ``SLOTS`` slices a window can still hold."""

    __slots__ = ("counts", "newest", "oldest", "total")

    def __init__(self, number: int) -> None:
        self.counts = array("L", bytes(_ZEROS))  # hits of slice n at index n % SLOTS
        self.newest = number  # the latest slice recorded
        self.oldest = number  # the earliest slice still holding hits (when total > 0)
        self.total = 0

    def advance(self, number: int) -> None:
        """Move the ring to slice ``number``, dropping the slices that have left the window."""
        if number <= self.newest:
            return
        if number - self.newest >= SLOTS:
            self.counts = array("L", bytes(_ZEROS))
            self.total = 0
        else:
            for gone in range(self.newest + 1, number + 1):  # their slots held slices a window older
                self.total -= self.counts[gone % SLOTS]
                self.counts[gone % SLOTS] = 0
        self.newest = number
        if self.total == 0:
            self.oldest = number
        else:
            while self.oldest < number - SLICES or self.counts[self.oldest % SLOTS] == 0:
                self.oldest += 1


class LocalWindow:
    """A moving window kept in this process: at most ``limit`` hits per key in any ``window`` seconds.

    Hits are counted per slice of 1/``SLICES`` of the window, and a slice leaves the window only when
    its *end* is a whole window old. A hit is therefore released up to one slice late, never early.
    Memory is one small array per active key whatever the limit, and idle keys are dropped once per
    window."""

    def __init__(self, item: RateLimitItem) -> None:
        self.limit = item.amount
        self.window = float(item.get_expiry())
        self.slice = self.window / SLICES
        self._keys: dict[str, _Hits] = {}
        self._next_sweep = time.time() + self.window

    def _reset(self, hits: _Hits | None, now: float) -> int:
        if hits is None or hits.total == 0:
            return math.ceil(now)
        return math.ceil((hits.oldest + 1) * self.slice + self.window)

    def count(self, key: str, now: float) -> tuple[int, int]:
        """(hits counted in the window now, when the oldest of them leaves it)."""
        hits = self._keys.get(key)
        if hits is not None:
            hits.advance(math.floor(now / self.slice))
        return (0 if hits is None else hits.total), self._reset(hits, now)

    def hit(self, key: str, now: float) -> tuple[bool, int, int]:
        """Count one hit if it fits: (allowed, remaining, reset epoch)."""
        if now >= self._next_sweep:
            self._sweep(now)
        number = math.floor(now / self.slice)
        hits = self._keys.get(key)
        if hits is None:
            hits = self._keys[key] = _Hits(number)
        hits.advance(number)
        if hits.total >= self.limit:
            return False, 0, self._reset(hits, now)
        if hits.total == 0:
            hits.oldest = hits.newest
        hits.counts[hits.newest % SLOTS] += 1  # a clock stepping back counts in the newest slice
        hits.total += 1
        return True, self.limit - hits.total, self._reset(hits, now)

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self.window
        number = math.floor(now / self.slice)
        for key, hits in list(self._keys.items()):
            hits.advance(number)
            if hits.total == 0:
                del self._keys[key]


class FailureCounter:
    """Failed attempts per key (an account, a client address) in a moving window of ``item``: counted
    in this process, or in Redis (shared by every process) when it is configured.

    ``retry_after`` says whether another attempt may be made; ``record`` counts a failure."""

    def __init__(self, item: RateLimitItem, namespace: str, shared: MovingWindowRateLimiter | None) -> None:
        self.item = item
        self.namespace = namespace
        self._shared = shared
        self._local = LocalWindow(item) if shared is None else None

    async def retry_after(self, key: str) -> int | None:
        """None while ``key`` is under its limit, else the seconds until its oldest failure expires."""
        if self._local is not None:
            failures, reset = self._local.count(key, time.time())
            return None if failures < self.item.amount else retry_after(reset)
        assert self._shared is not None
        if await self._shared.test(self.item, self.namespace, key):
            return None
        stats = await self._shared.get_window_stats(self.item, self.namespace, key)
        return retry_after(math.ceil(stats.reset_time))

    async def record(self, key: str) -> None:
        if self._local is not None:
            self._local.hit(key, time.time())
        else:
            assert self._shared is not None
            await self._shared.hit(self.item, self.namespace, key)


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._items: dict[RateClass, RateLimitItem] = {
            RateClass.BALANCE: parse(settings.rate_limit_balance),
            RateClass.LIST: parse(settings.rate_limit_list),
            RateClass.ORDERS: parse(settings.rate_limit_orders),
            RateClass.STATUS: parse(settings.rate_limit_status),
        }
        self._auth_failures = parse(settings.rate_limit_auth_failures)
        self._shared: MovingWindowRateLimiter | None = None
        self._storage: RedisStorage | None = None
        self._hit_script: Any = None
        if settings.redis_url:
            # redis-py's asyncio client (a dependency anyway), so shutdown can close its pool.
            self._storage = RedisStorage("async+" + settings.redis_url, implementation="redispy")
            self._shared = MovingWindowRateLimiter(self._storage)
            bridge: Any = self._storage.bridge
            self._hit_script = bridge.get_connection().register_script(HIT_SCRIPT)  # EVALSHA, EVAL if unknown
            self._key_prefix: str = bridge.key_prefix
        self._local: dict[RateClass, LocalWindow] = {}  # counts requests only when there is no Redis
        if self._shared is None:
            self._local = {rate_class: LocalWindow(item) for rate_class, item in self._items.items()}
        self._local_auth_failures = LocalWindow(self._auth_failures)
        # Web log-ins: failed attempts per account and per client address.
        self.login_account = self.failure_counter(settings.rate_limit_login_account, "login-account")
        self.login_ip = self.failure_counter(settings.rate_limit_login_ip, "login-ip")

    def failure_counter(self, limit: str, namespace: str) -> FailureCounter:
        """A counter of failures at most ``limit`` (``limits`` syntax, e.g. ``5/minute``) per key, kept
        where this process keeps its rate limits. ``namespace`` keeps its keys apart from others'."""
        return FailureCounter(parse(limit), namespace, self._shared)

    async def hit(self, rate_class: RateClass, key_digest: str) -> tuple[bool, RateHeaders]:
        """Count one request against the key's budget for this class: (allowed, headers to send)."""
        item = self._items[rate_class]
        if self._shared is None:
            allowed, remaining, reset = self._local[rate_class].hit(key_digest, time.time())
            return allowed, RateHeaders(item.amount, remaining, reset)
        expiry = item.get_expiry()
        key = f"{self._key_prefix}:{item.key_for(rate_class.value, key_digest)}"  # where limits keeps it
        allowed, hits, oldest = await self._hit_script(keys=[key], args=[time.time(), item.amount, expiry])
        reset = math.ceil(float(oldest) + expiry)
        return bool(allowed), RateHeaders(item.amount, max(0, item.amount - int(hits)), reset)

    async def check_auth_failures(self, client_ip: str) -> None:
        """Refuse a client IP that has sent too many bad keys recently.

        The local window of failures is checked first. With Redis it also records every failure this
        process has seen, so an address with no failure here costs no round trip: an address that
        spreads its attempts over N processes gets at most N - 1 tries beyond the shared budget."""
        failures, reset = self._local_auth_failures.count(client_ip, time.time())
        fits = failures < self._auth_failures.amount
        if fits and failures and self._shared is not None:  # failures seen here: ask for everyone's
            fits = await self._shared.test(self._auth_failures, "authfail", client_ip)
            if not fits:
                stats = await self._shared.get_window_stats(self._auth_failures, "authfail", client_ip)
                reset = math.ceil(stats.reset_time)
        if not fits:
            raise RateLimited(
                "Too many invalid API keys from this address, retry later", retry_after=retry_after(reset)
            )

    async def record_auth_failure(self, client_ip: str) -> None:
        self._local_auth_failures.hit(client_ip, time.time())
        if self._shared is not None:
            await self._shared.hit(self._auth_failures, "authfail", client_ip)

    async def close(self) -> None:
        if self._storage is not None:
            await self._storage.bridge.storage.aclose()  # type: ignore[attr-defined]


def retry_after(reset_epoch: int) -> int:
    return max(1, reset_epoch - int(time.time()))
