"""GET /accounts/orders and GET /accounts/order: the buyer's own orders, with the delivered lines."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from flashpanel.accounts import catalog
from flashpanel.db.runner import Conn, Database
from tests.accounts.conftest import Stocked
from tests.helpers import assert_error

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


async def _buy(client: httpx.AsyncClient, key: str, product_id: int, quantity: int) -> int:
    response = await client.post(
        "/api/v1/accounts/purchase", json={"key": key, "product": product_id, "quantity": quantity}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["data"]["order_id"])


async def test_order_details_has_the_spec_fields_and_the_stored_lines(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=4, price="572.40", name="Streaming Premium")
    key = make_customer(balance="5000")
    order_id = await _buy(client, key, shop.product_id, 2)
    response = await client.get("/api/v1/accounts/order", params={"key": key, "order": order_id})
    assert response.status_code == 200
    data = response.json()["data"]
    assert ISO_UTC.match(data.pop("created_at"))
    assert data == {
        "order_id": order_id,
        "product": "Streaming Premium",
        "quantity": 2,
        "price_per_unit": "572.40",
        "charge": "1144.80",
        "status": "completed",
        "accounts": shop.lines[:2],
    }
    assert set(response.json()) == {"success", "data"}


async def test_order_keeps_the_price_it_was_charged_after_a_price_change(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=2, price="10")
    key = make_customer(balance="100")
    order_id = await _buy(client, key, shop.product_id, 1)
    db.write_sync(catalog.update_product, product_id=shop.product_id, price_cents=99900)
    data = (await client.get("/api/v1/accounts/order", params={"key": key, "order": order_id})).json()["data"]
    assert (data["price_per_unit"], data["charge"]) == ("10.00", "10.00")


async def test_another_customers_order_is_404_like_a_missing_one(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=2, price="1")
    owner = make_customer(balance="10")
    stranger = make_customer(balance="10")
    order_id = await _buy(client, owner, shop.product_id, 1)
    assert_error(await client.get("/api/v1/accounts/order", params={"key": stranger, "order": order_id}), 404)
    for unknown in (987654, 0, 10**20):
        response = await client.get("/api/v1/accounts/order", params={"key": owner, "order": unknown})
        assert_error(response, 404, "Order not found")
    history = (await client.get("/api/v1/accounts/orders", params={"key": stranger})).json()["data"]
    assert history["orders"] == [] and history["pagination"]["total"] == 0


async def test_order_details_parameter_errors(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer()
    assert_error(
        await client.get("/api/v1/accounts/order", params={"key": key}), 400, "Missing required parameter: order"
    )
    assert_error(
        await client.get("/api/v1/accounts/order", params={"key": key, "order": "x"}),
        400,
        "Invalid parameter 'order': must be an integer",
    )


async def test_history_lists_own_orders_newest_first_with_lines_and_pagination(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=10, price="1.50", name="Music")
    key = make_customer(balance="100")
    other = make_customer(balance="100")
    await _buy(client, other, shop.product_id, 1)  # items 0
    first = await _buy(client, key, shop.product_id, 2)  # items 1, 2
    second = await _buy(client, key, shop.product_id, 1)  # item 3
    third = await _buy(client, key, shop.product_id, 3)  # items 4..6

    response = await client.get("/api/v1/accounts/orders", params={"key": key, "page": 1, "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "data"} and set(body["data"]) == {"orders", "pagination"}
    orders = body["data"]["orders"]
    for order in orders:
        assert ISO_UTC.match(order.pop("created_at"))
    assert orders == [
        {
            "order_id": third,
            "product": "Music",
            "quantity": 3,
            "charge": "4.50",
            "status": "completed",
            "accounts": shop.lines[4:7],
        },
        {
            "order_id": second,
            "product": "Music",
            "quantity": 1,
            "charge": "1.50",
            "status": "completed",
            "accounts": shop.lines[3:4],
        },
    ]
    assert body["data"]["pagination"] == {"current_page": 1, "per_page": 2, "total": 3, "total_pages": 2}

    page2 = (await client.get("/api/v1/accounts/orders", params={"key": key, "page": 2, "limit": 2})).json()["data"]
    assert [o["order_id"] for o in page2["orders"]] == [first]
    assert page2["orders"][0]["accounts"] == shop.lines[1:3]

    past_end = (await client.get("/api/v1/accounts/orders", params={"key": key, "page": 99})).json()["data"]
    assert past_end == {
        "orders": [],
        "pagination": {"current_page": 99, "per_page": 20, "total": 3, "total_pages": 1},
    }


async def test_history_pagination_parameters_must_be_integers(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    response = await client.get("/api/v1/accounts/orders", params={"key": make_customer(), "page": "two"})
    assert_error(response, 400, "Invalid parameter 'page': must be an integer")


async def test_history_reads_use_the_customer_index(db: Database) -> None:
    query = "SELECT id FROM account_orders WHERE customer_id = ? ORDER BY id DESC LIMIT 20"

    def plan(conn: Conn) -> str:
        if conn.is_postgres:  # an empty table would otherwise be scanned, index or not
            conn.execute("SET LOCAL enable_seqscan = off")
            return " ".join(str(next(iter(r.values()))) for r in conn.all("EXPLAIN " + query, (1,)))
        return " ".join(str(r["detail"]) for r in conn.all("EXPLAIN QUERY PLAN " + query, (1,)))

    assert "ix_account_orders_customer_id_id" in db.read_sync(plan)
