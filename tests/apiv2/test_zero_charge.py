"""v2 add, plain and drip-feed: an order that would cost 0.00 is refused, never placed for free."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from flashpanel.db.runner import Database
from tests.apiv2.helpers import balance_cents, call

LINK = "https://example.com/post"


def _orders(db: Database) -> int:
    return int(db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_orders")))


async def test_add_refuses_an_order_that_would_cost_nothing(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="10")
    service = add_service(rate_cents=3, low=10, high=100000)  # 0.03 per 1000: 167 is the first to cost 0.01
    assert await call(v2, key, "add", service=service, link=LINK, quantity=166) == {
        "error": "Quantity must be at least 167: a smaller order would cost 0.00"
    }
    assert _orders(db) == 0 and balance_cents(db, key) == 1000
    placed = await call(v2, key, "add", service=service, link=LINK, quantity=167)
    assert "order" in placed and balance_cents(db, key) == 999


async def test_drip_feed_refuses_runs_that_together_would_cost_nothing(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="10")
    service = add_service(rate_cents=1, low=10, high=100000, dripfeed=True)  # 0.01 per 1000: 500 units cost 0.01
    assert await call(v2, key, "add", service=service, link=LINK, quantity=49, runs=10, interval=5) == {
        "error": "Quantity must be at least 50 per run (10 runs): a smaller order would cost 0.00"
    }
    assert _orders(db) == 0 and balance_cents(db, key) == 1000
    placed = await call(v2, key, "add", service=service, link=LINK, quantity=50, runs=10, interval=5)
    assert "order" in placed and balance_cents(db, key) == 999
