from __future__ import annotations

from collections.abc import Callable

import httpx

from flashpanel.db.runner import Database
from tests.helpers import assert_error


async def test_balance_returns_the_spec_shape_with_two_place_strings(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="15000")
    response = await client.get("/api/v1/balance", params={"key": key})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"success": True, "data": {"balance": "15000.00", "currency": "NGN"}}


async def test_balance_reflects_cents_exactly(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer(balance="0.10")
    response = await client.get("/api/v1/balance", params={"key": key})
    assert response.json()["data"]["balance"] == "0.10"


async def test_balance_of_a_disabled_customer_is_refused(
    client: httpx.AsyncClient, make_customer: Callable[..., str], db: Database
) -> None:
    from flashpanel.customers import service

    key = make_customer("gone", balance="5")
    db.write_sync(service.set_active, name="gone", active=False)
    assert_error(await client.get("/api/v1/balance", params={"key": key}), 401, "Invalid API key")
