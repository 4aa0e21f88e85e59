"""GET /accounts/categories and GET /accounts/products: the spec's shapes, live stock, errors."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from flashpanel.accounts import catalog
from flashpanel.db.runner import Database
from tests.accounts.conftest import Stocked
from tests.helpers import assert_error


async def test_categories_list_id_name_icon_in_id_order(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str]
) -> None:
    db.write_sync(catalog.add_category, name="Social Media", icon="users")
    db.write_sync(catalog.add_category, name="Streaming", icon="play")
    response = await client.get("/api/v1/accounts/categories", params={"key": make_customer()})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": [{"id": 1, "name": "Social Media", "icon": "users"}, {"id": 2, "name": "Streaming", "icon": "play"}],
    }
    assert response.headers["X-RateLimit-Limit"] == "1000"


async def test_categories_require_a_valid_key(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/accounts/categories", params={"key": "nope"}), 401, "Invalid API key")


async def test_products_have_the_spec_fields_with_live_stock_and_two_place_price(
    client: httpx.AsyncClient, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=7, price="2500", low=1, high=10, name="Streaming Premium", description="Premium account")
    response = await client.get(
        "/api/v1/accounts/products", params={"key": make_customer(), "category": shop.category_id}
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": [
            {
                "product_id": shop.product_id,
                "name": "Streaming Premium",
                "price": "2500.00",
                "stock": 7,
                "min": 1,
                "max": 10,
                "description": "Premium account",
            }
        ],
    }


async def test_products_hide_disabled_products_and_show_empty_ones_with_zero_stock(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    first = stocked(items=3)
    empty = stocked(items=0, category_id=first.category_id)
    hidden = stocked(items=3, category_id=first.category_id)
    db.write_sync(catalog.update_product, product_id=hidden.product_id, active=False)
    response = await client.get(
        "/api/v1/accounts/products", params={"key": make_customer(), "category": first.category_id}
    )
    data = response.json()["data"]
    assert [(p["product_id"], p["stock"]) for p in data] == [(first.product_id, 3), (empty.product_id, 0)]


async def test_products_of_a_category_without_products_is_an_empty_list(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str]
) -> None:
    category_id = db.write_sync(catalog.add_category, name="Empty")
    response = await client.get("/api/v1/accounts/products", params={"key": make_customer(), "category": category_id})
    assert response.json() == {"success": True, "data": []}


async def test_products_without_category_is_400(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    response = await client.get("/api/v1/accounts/products", params={"key": make_customer()})
    assert_error(response, 400, "Missing required parameter: category")


async def test_products_with_non_integer_category_is_400(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    for bad in ("abc", "1.5", "true"):
        response = await client.get("/api/v1/accounts/products", params={"key": make_customer(), "category": bad})
        assert_error(response, 400, "Invalid parameter 'category': must be an integer")


async def test_products_of_an_unknown_category_is_404(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    for unknown in (999, 0, -1, 10**20):
        response = await client.get("/api/v1/accounts/products", params={"key": make_customer(), "category": unknown})
        assert_error(response, 404, "Category not found")
