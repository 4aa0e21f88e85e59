"""POST /accounts/purchase: delivery, the spec's shape, and every refusal changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flashpanel.accounts import catalog
from flashpanel.db.runner import Database
from tests.accounts.conftest import Stocked
from tests.helpers import assert_error

PURCHASE = "/api/v1/accounts/purchase"


def _snapshot(db: Database) -> dict[str, Any]:
    """Everything a purchase may write: balances, ledger, orders, sold items."""

    def read(conn: Any) -> dict[str, Any]:
        return {
            "balances": [(r["id"], r["balance_cents"]) for r in conn.all("SELECT id, balance_cents FROM customers")],
            "ledger": conn.scalar("SELECT COUNT(*) FROM ledger_entries"),
            "orders": conn.scalar("SELECT COUNT(*) FROM account_orders"),
            "sold": conn.scalar("SELECT COUNT(*) FROM stock_items WHERE order_id IS NOT NULL"),
        }

    return db.read_sync(read)


async def _stock_of(client: httpx.AsyncClient, key: str, shop: Stocked) -> int:
    response = await client.get("/api/v1/accounts/products", params={"key": key, "category": shop.category_id})
    return int(next(p["stock"] for p in response.json()["data"] if p["product_id"] == shop.product_id))


async def test_purchase_delivers_the_oldest_items_as_email_password_objects_in_the_spec_shape(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=5, price="2500", name="Streaming Premium")
    key = make_customer(balance="15000")
    response = await client.post(PURCHASE, params={"key": key}, json={"product": shop.product_id, "quantity": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "success": True,
        "message": "Account(s) purchased successfully",
        "data": {
            "order_id": body["data"]["order_id"],
            "product": "Streaming Premium",
            "quantity": 2,
            "charge": "5000.00",
            "status": "completed",
            "accounts": [
                {"email": shop.lines[0].split(":", 1)[0], "password": shop.lines[0].split(":", 1)[1]},
                {"email": shop.lines[1].split(":", 1)[0], "password": shop.lines[1].split(":", 1)[1]},
            ],
            "balance": "10000.00",
            "currency": "NGN",
        },
    }
    assert isinstance(body["data"]["order_id"], int)
    # split at the FIRST colon: the password keeps its own colons
    assert ":" in body["data"]["accounts"][0]["password"]


async def test_stock_goes_down_by_exactly_the_quantity_sold(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=10, price="1")
    key = make_customer(balance="100")
    assert await _stock_of(client, key, shop) == 10
    await client.post(PURCHASE, params={"key": key, "product": shop.product_id, "quantity": 3})
    assert await _stock_of(client, key, shop) == 7
    await client.post(PURCHASE, params={"key": key, "product": shop.product_id, "quantity": 7})
    assert await _stock_of(client, key, shop) == 0


async def test_purchase_accepts_form_and_query_parameters(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=3, price="1")
    key = make_customer(balance="10")
    by_form = await client.post(PURCHASE, data={"key": key, "product": str(shop.product_id), "quantity": "1"})
    by_query = await client.post(PURCHASE, params={"key": key, "product": shop.product_id, "quantity": 1})
    assert by_form.status_code == by_query.status_code == 200
    assert by_form.json()["data"]["accounts"] != by_query.json()["data"]["accounts"]


async def test_purchase_writes_one_order_and_one_charge_ledger_row(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=3, price="12.34")
    key = make_customer(balance="100")
    response = await client.post(PURCHASE, json={"key": key, "product": shop.product_id, "quantity": 2})
    order_id = response.json()["data"]["order_id"]
    order = db.read_sync(lambda c: c.all("SELECT * FROM account_orders WHERE id = ?", (order_id,)))[0]
    assert (order["quantity"], order["unit_price_cents"], order["charge_cents"], order["status"]) == (
        2,
        1234,
        2468,
        "completed",
    )
    charges = db.read_sync(
        lambda c: c.all("SELECT amount_cents, order_kind, order_id FROM ledger_entries WHERE kind = 'charge'")
    )
    assert [(r["amount_cents"], r["order_kind"], r["order_id"]) for r in charges] == [(-2468, "accounts", order_id)]
    sold = db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM stock_items WHERE order_id = ?", (order_id,)))
    assert sold == 2


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"quantity": 1}, 400, "Missing required parameter: product"),
        ({"product": "PRODUCT"}, 400, "Missing required parameter: quantity"),
        ({"product": "abc", "quantity": 1}, 400, "Invalid parameter 'product': must be an integer"),
        ({"product": "PRODUCT", "quantity": "1.5"}, 400, "Invalid parameter 'quantity': must be an integer"),
        ({"product": "PRODUCT", "quantity": True}, 400, "Invalid parameter 'quantity': must be an integer"),
        ({"product": 999, "quantity": 1}, 422, "Product not found or disabled"),
        ({"product": 10**20, "quantity": 1}, 422, "Product not found or disabled"),
        ({"product": "PRODUCT", "quantity": 1}, 422, "Quantity must be between 2 and 4"),
        ({"product": "PRODUCT", "quantity": 5}, 422, "Quantity must be between 2 and 4"),
        ({"product": "PRODUCT", "quantity": 0}, 422, "Quantity must be between 2 and 4"),
        ({"product": "PRODUCT", "quantity": -2}, 422, "Quantity must be between 2 and 4"),
        ({"product": "EMPTYISH", "quantity": 4}, 422, "Insufficient stock"),
        ({"product": "PRODUCT", "quantity": 4}, 400, "Insufficient balance"),
    ],
)
async def test_refused_purchases_change_nothing(
    client: httpx.AsyncClient,
    db: Database,
    make_customer: Callable[..., str],
    stocked: Callable[..., Stocked],
    params: dict[str, Any],
    status: int,
    message: str,
) -> None:
    shop = stocked(items=10, price="10", low=2, high=4)
    emptyish = stocked(items=3, price="1", low=2, high=4)  # 4 would be affordable, but only 3 are in stock
    key = make_customer(balance="35")  # covers 3 of PRODUCT, not 4
    names = {"PRODUCT": shop.product_id, "EMPTYISH": emptyish.product_id}
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    before = _snapshot(db)
    response = await client.post(PURCHASE, params={"key": key}, json=body)
    assert_error(response, status, message)
    assert _snapshot(db) == before


async def test_a_disabled_product_cannot_be_bought(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=3, price="1")
    db.write_sync(catalog.update_product, product_id=shop.product_id, active=False)
    key = make_customer(balance="10")
    before = _snapshot(db)
    response = await client.post(PURCHASE, json={"key": key, "product": shop.product_id, "quantity": 1})
    assert_error(response, 422, "Product not found or disabled")
    assert _snapshot(db) == before


async def test_insufficient_stock_is_reported_before_insufficient_balance(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=1, price="100")
    key = make_customer(balance="1")
    response = await client.post(PURCHASE, json={"key": key, "product": shop.product_id, "quantity": 2})
    assert_error(response, 422, "Insufficient stock")


async def test_purchase_with_an_invalid_key_is_401(client: httpx.AsyncClient, stocked: Callable[..., Stocked]) -> None:
    shop = stocked(items=1)
    response = await client.post(PURCHASE, json={"key": "wrong", "product": shop.product_id, "quantity": 1})
    assert_error(response, 401, "Invalid API key")


async def test_purchase_by_get_is_405(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    assert_error(await client.get(PURCHASE, params={"key": make_customer()}), 405)
