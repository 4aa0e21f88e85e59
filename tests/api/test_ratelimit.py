from __future__ import annotations

import math
import time
from collections.abc import Callable

import httpx
import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from limits import parse

from flashpanel.api.ratelimit import LocalWindow, RateLimits
from flashpanel.config import Settings
from flashpanel.errors import RateLimited
from tests.conftest import REDIS_URL
from tests.helpers import assert_error


async def test_every_authenticated_response_carries_rate_limit_headers(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="1")
    first = await client.get("/api/v1/balance", params={"key": key})
    second = await client.get("/api/v1/balance", params={"key": key})
    assert first.headers["X-RateLimit-Limit"] == "60"
    assert first.headers["X-RateLimit-Remaining"] == "59"
    assert second.headers["X-RateLimit-Remaining"] == "58"
    assert int(first.headers["X-RateLimit-Reset"]) > 0


async def test_the_61st_balance_call_in_a_minute_is_429_with_retry_after(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="1")
    for _ in range(60):
        assert (await client.get("/api/v1/balance", params={"key": key})).status_code == 200
    limited = await client.get("/api/v1/balance", params={"key": key})
    assert_error(limited, 429, "rate limit")
    assert limited.headers["X-RateLimit-Limit"] == "60"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["Retry-After"]) >= 1


async def test_limits_are_per_key(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    busy, other = make_customer(balance="1"), make_customer(balance="1")
    for _ in range(61):
        await client.get("/api/v1/balance", params={"key": busy})
    assert (await client.get("/api/v1/balance", params={"key": other})).status_code == 200


# -- the in-process moving window (used when no Redis is configured) ---------------------------------
def _admitted(window: LocalWindow, times: list[float], key: str = "k") -> list[float]:
    return [t for t in times if window.hit(key, t)[0]]


@given(
    limit=st.integers(1, 8),
    quarter_seconds=st.lists(st.integers(0, 12), min_size=1, max_size=120),
)
def test_no_window_of_the_limits_length_ever_admits_more_than_the_limit(limit: int, quarter_seconds: list[int]) -> None:
    # Per minute, so slices are whole seconds, and times on quarter seconds: all of it exact in binary
    # floating point, so the property is about the window, not about rounding.
    window = LocalWindow(parse(f"{limit}/minute"))
    times = [1_000_000.0 + 0.25 * sum(quarter_seconds[: i + 1]) for i in range(len(quarter_seconds))]
    admitted = _admitted(window, times)
    for start in admitted:
        assert sum(1 for t in admitted if start <= t < start + 60) <= limit
    for refused in sorted(set(times) - set(admitted)):  # refused only when the window (+ a slice) is full
        assert sum(1 for t in admitted if refused - 60 - 1 < t <= refused) >= limit


def test_a_keys_memory_does_not_grow_with_its_limit_or_its_hits() -> None:
    window = LocalWindow(parse("1000000/minute"))
    for n in range(20_000):
        window.hit("busy", 1_000.0 + n * 0.01)  # 100 hits per second for 200 s
    hits = window._keys["busy"]
    assert len(hits.counts) == 61 and hits.total == 6_000 + 100  # the last 61 one-second slices


def test_a_hit_is_released_after_the_window_and_at_most_one_slice_late() -> None:
    window = LocalWindow(parse("2/minute"))  # slices of 1 s
    assert _admitted(window, [100.2, 100.7, 130.0]) == [100.2, 100.7]
    allowed, remaining, reset = window.hit("k", 159.9)
    assert (allowed, remaining, reset) == (False, 0, 161)  # slice [100, 101) ends at 101, leaves at 161
    assert window.hit("k", 161.0)[:2] == (True, 1)


def test_remaining_counts_down_per_key_and_reset_names_when_the_oldest_hit_leaves() -> None:
    window = LocalWindow(parse("3/minute"))
    assert window.hit("a", 50.5) == (True, 2, 111)
    assert window.hit("a", 70.0) == (True, 1, 111)
    assert window.hit("b", 70.0) == (True, 2, 131)
    assert window.count("a", 80.0) == (2, 111)
    assert window.count("nobody", 80.0) == (0, 80)


def test_idle_keys_are_dropped_once_their_hits_have_left_the_window() -> None:
    window = LocalWindow(parse("5/minute"))
    start = time.time()
    for n in range(100):
        window.hit(f"key-{n}", start)
    window.hit("late", start + 200)  # past the sweep time: every idle key goes
    assert list(window._keys) == ["late"]


async def test_with_redis_failures_recorded_by_other_processes_block_once_this_one_has_seen_one() -> None:
    if not REDIS_URL:
        pytest.skip("needs Redis: the shared budget of failed keys")
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings = Settings(redis_url=REDIS_URL, rate_limit_auth_failures="3/minute")
    here, elsewhere = RateLimits(settings), RateLimits(settings)
    try:
        for _ in range(3):
            await elsewhere.record_auth_failure("203.0.113.9")
        await here.check_auth_failures("203.0.113.9")  # none seen here yet: no round trip, let through
        await here.record_auth_failure("203.0.113.9")
        with pytest.raises(RateLimited):
            await here.check_auth_failures("203.0.113.9")
        await here.check_auth_failures("203.0.113.10")
    finally:
        await here.close()
        await elsewhere.close()


async def test_with_redis_one_script_counts_like_limits_and_returns_its_window_figures() -> None:
    if not REDIS_URL:
        pytest.skip("needs Redis: the shared rate limits")
    from limits.aio.storage import RedisStorage
    from limits.aio.strategies import MovingWindowRateLimiter

    from flashpanel.api.ratelimit import RateClass

    redis.Redis.from_url(REDIS_URL).flushdb()
    limits = RateLimits(Settings(redis_url=REDIS_URL, rate_limit_balance="3/minute"))
    reference_storage = RedisStorage("async+" + REDIS_URL, implementation="redispy")
    reference = MovingWindowRateLimiter(reference_storage)
    item = parse("3/minute")
    try:
        started = time.time()
        answers = [await limits.hit(RateClass.BALANCE, "digest-a") for _ in range(4)]
        assert [allowed for allowed, _ in answers] == [True, True, True, False]
        assert [headers.remaining for _, headers in answers] == [2, 1, 0, 0]
        assert all(headers.limit == 3 for _, headers in answers)
        # the same key and layout as limits: its own view of the window agrees
        stats = await reference.get_window_stats(item, "balance", "digest-a")
        assert stats.remaining == 0
        assert answers[-1][1].reset == math.ceil(stats.reset_time)
        assert started + 60 <= answers[-1][1].reset <= time.time() + 61
        assert not await reference.test(item, "balance", "digest-a")
        # another key, and a hit limits counts, are seen by the script
        await reference.hit(item, "balance", "digest-b")
        allowed, headers = await limits.hit(RateClass.BALANCE, "digest-b")
        assert (allowed, headers.remaining) == (True, 1)
    finally:
        await limits.close()
        await reference_storage.bridge.storage.aclose()  # type: ignore[attr-defined]
