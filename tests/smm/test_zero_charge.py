"""An order that would cost 0.00 is refused with the smallest quantity that costs at least 0.01."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from flashpanel.db.runner import Database
from tests.helpers import assert_error
from tests.smm.support import balance_of

LINK = "https://example.com/p"


async def _order(client: httpx.AsyncClient, key: str, service_id: int, quantity: int) -> httpx.Response:
    return await client.post(
        "/api/v1/smm/order", params={"key": key}, json={"service": service_id, "link": LINK, "quantity": quantity}
    )


def _orders(db: Database) -> int:
    return int(db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_orders")))


async def test_an_order_whose_charge_rounds_to_zero_is_refused_naming_the_minimum_quantity(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="10")
    service_id = add_service(rate="0.01", min_quantity=10, max_quantity=100000)  # 0.01 per 1000
    refused = await _order(client, key, service_id, 499)  # 0.00499 → 0.00
    assert_error(refused, 422, "Quantity must be at least 500")
    assert balance_of(db, key) == 1000 and _orders(db) == 0

    placed = await _order(client, key, service_id, 500)  # 0.005 → 0.01, half-up
    assert placed.status_code == 200, placed.text
    assert placed.json()["data"]["charge"] == "0.01"
    assert balance_of(db, key) == 999


async def test_a_service_priced_at_zero_takes_no_order(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="10")
    service_id = add_service(rate="1", min_quantity=10, max_quantity=100000)
    # A rate of 0 is refused when a service is added or edited (D73), but a row saved before that rule
    # may still hold one: placing an order must refuse it all the same.
    db.write_sync(lambda c: c.execute("UPDATE smm_services SET rate_cents = 0 WHERE id = ?", (service_id,)))
    assert_error(await _order(client, key, service_id, 100000), 422, "no price")
    assert _orders(db) == 0
