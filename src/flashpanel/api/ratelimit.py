"""Per-key, per-endpoint-class rate limits (moving window), shared through Redis when configured."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from flashpanel.config import Settings
from flashpanel.errors import RateLimited


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


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.storage: Storage
        if settings.redis_url:
            # redis-py's asyncio client (a dependency anyway), so shutdown can close its pool.
            self.storage = RedisStorage("async+" + settings.redis_url, implementation="redispy")
        else:
            self.storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._items: dict[RateClass, RateLimitItem] = {
            RateClass.BALANCE: parse(settings.rate_limit_balance),
            RateClass.LIST: parse(settings.rate_limit_list),
            RateClass.ORDERS: parse(settings.rate_limit_orders),
            RateClass.STATUS: parse(settings.rate_limit_status),
        }
        self._auth_failures = parse(settings.rate_limit_auth_failures)

    async def hit(self, rate_class: RateClass, key_digest: str) -> tuple[bool, RateHeaders]:
        """Count one request against the key's budget for this class: (allowed, headers to send)."""
        item = self._items[rate_class]
        allowed = await self._limiter.hit(item, rate_class.value, key_digest)
        stats = await self._limiter.get_window_stats(item, rate_class.value, key_digest)
        return allowed, RateHeaders(item.amount, max(0, stats.remaining), math.ceil(stats.reset_time))

    async def check_auth_failures(self, client_ip: str) -> None:
        """Refuse a client IP that has sent too many bad keys recently."""
        if not await self._limiter.test(self._auth_failures, "authfail", client_ip):
            stats = await self._limiter.get_window_stats(self._auth_failures, "authfail", client_ip)
            raise RateLimited(
                "Too many invalid API keys from this address, retry later",
                retry_after=retry_after(math.ceil(stats.reset_time)),
            )

    async def record_auth_failure(self, client_ip: str) -> None:
        await self._limiter.hit(self._auth_failures, "authfail", client_ip)

    async def close(self) -> None:
        if isinstance(self.storage, RedisStorage):
            await self.storage.bridge.storage.aclose()  # type: ignore[attr-defined]


def retry_after(reset_epoch: int) -> int:
    return max(1, reset_epoch - int(time.time()))
