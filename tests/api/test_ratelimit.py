from __future__ import annotations

from collections.abc import Callable

import httpx

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
