"""GET /smm/services and POST /smm/order over HTTP: shapes, rules, and what gets written."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from flashpanel.db.runner import Database
from flashpanel.smm import catalog
from tests.helpers import assert_error
from tests.smm.support import balance_of, ledger_rows, order_row

ORDER = "/api/v1/smm/order"


async def test_services_lists_active_services_in_the_spec_shape(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer()
    first = add_service(name="Followers", category="Social", rate="500", min_quantity=100, max_quantity=10000)
    hidden = add_service(name="Old Likes", category="Social", rate="1.5")
    db.write_sync(catalog.set_active, service_id=hidden, active=False)
    response = await client.get("/api/v1/smm/services", params={"key": key})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": [
            {
                "service_id": first,
                "name": "Followers",
                "category": "Social",
                "type": "Default",
                "rate": "500.00",
                "min": 100,
                "max": 10000,
                "description": "Followers for tests",
            }
        ],
    }
    assert response.headers["X-RateLimit-Limit"] == "30"


async def test_services_checks_the_key_even_when_the_catalog_is_cached(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    add_service()
    key = make_customer()
    assert (await client.get("/api/v1/smm/services", params={"key": key})).status_code == 200
    assert_error(await client.get("/api/v1/smm/services", params={"key": "wrong"}), 401, "Invalid API key")


async def test_placing_an_order_charges_once_and_answers_the_spec_shape(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="15000")
    service_id = add_service(name="Instagram Followers", rate="500")
    response = await client.post(
        ORDER,
        params={"key": key},
        json={"service": service_id, "link": "https://instagram.com/username", "quantity": 1000},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    order_id = body["data"]["order_id"]
    assert isinstance(order_id, int)
    assert body == {
        "success": True,
        "message": "Order placed successfully",
        "data": {
            "order_id": order_id,
            "service": "Instagram Followers",
            "link": "https://instagram.com/username",
            "quantity": 1000,
            "charge": "500.00",
            "status": "pending",
            "balance": "14500.00",
            "currency": "NGN",
        },
    }
    assert response.headers["X-RateLimit-Limit"] == "10"
    row = order_row(db, order_id)
    assert (row["status"], row["remains"], row["charge_cents"], row["refunded_cents"]) == ("pending", 1000, 50000, 0)
    assert row["next_check_at"] is not None and row["upstream_order_id"] is None
    assert ledger_rows(db, order_id) == [("charge", -50000)]
    assert balance_of(db, key) == 1450000


async def test_charge_is_rate_times_quantity_over_1000_rounded_half_up(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="10")
    service_id = add_service(rate="0.25", min_quantity=1)  # 0.25 * 1010 / 1000 = 0.2525 -> 0.25; 1030 -> 0.2575 -> 0.26
    first = await client.post(
        ORDER, params={"key": key}, json={"service": service_id, "link": "http://a.b", "quantity": 1010}
    )
    second = await client.post(
        ORDER, params={"key": key}, json={"service": service_id, "link": "http://a.b", "quantity": 1030}
    )
    assert first.json()["data"]["charge"] == "0.25"
    assert second.json()["data"]["charge"] == "0.26"
    assert second.json()["data"]["balance"] == "9.49"


@pytest.mark.parametrize("style", ["form", "query"])
async def test_order_parameters_may_come_as_a_form_or_in_the_query_string(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], style: str
) -> None:
    key = make_customer(balance="100")
    fields = {"service": str(add_service(rate="10")), "link": "https://example.com/p", "quantity": "100"}
    if style == "form":
        response = await client.post(ORDER, params={"key": key}, data=fields)
    else:
        response = await client.post(ORDER, params={"key": key, **fields})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["charge"] == "1.00"


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"service": 999999}, 422, "unknown or disabled service"),
        ({"service": "abc"}, 400, "service"),
        ({"quantity": "12.5"}, 400, "quantity"),
        ({"quantity": 1.5}, 400, "quantity"),
        ({"quantity": "many"}, 400, "quantity"),
        ({"quantity": True}, 400, "quantity"),
        ({"quantity": 99}, 422, "between 100 and 10000"),
        ({"quantity": 10001}, 422, "between 100 and 10000"),
        ({"link": "ftp://example.com/x"}, 422, "link"),
        ({"link": "instagram.com/username"}, 422, "link"),
        ({"link": "https://"}, 422, "link"),
        ({"link": "https://exa mple.com"}, 422, "link"),
        ({"link": 12345}, 422, "link"),
        ({"link": "https://example.com/" + "a" * 2029}, 422, "2048"),
        ({"service": None}, 400, "missing required parameter: service"),
        ({"link": ""}, 400, "missing required parameter: link"),
        ({"quantity": None}, 400, "missing required parameter: quantity"),
    ],
)
async def test_invalid_orders_are_refused_and_write_nothing(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    fields: dict[str, object],
    status: int,
    message: str,
) -> None:
    key = make_customer(balance="15000")
    body: dict[str, object] = {"service": add_service(), "link": "https://example.com/u", "quantity": 1000}
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    assert_error(await client.post(ORDER, params={"key": key}, json=body), status, message)
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_orders")) == 0
    assert balance_of(db, key) == 1500000


async def test_a_link_of_exactly_2048_characters_is_accepted(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="15000")
    link = "https://example.com/" + "a" * 2028
    assert len(link) == 2048
    response = await client.post(
        ORDER, params={"key": key}, json={"service": add_service(), "link": link, "quantity": 100}
    )
    assert response.status_code == 200, response.text


async def test_a_disabled_service_cannot_be_ordered(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="15000")
    service_id = add_service()
    db.write_sync(catalog.set_active, service_id=service_id, active=False)
    body = {"service": service_id, "link": "https://example.com/u", "quantity": 1000}
    assert_error(await client.post(ORDER, params={"key": key}, json=body), 422, "unknown or disabled service")


async def test_insufficient_balance_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="499.99")
    body = {"service": add_service(rate="500"), "link": "https://example.com/u", "quantity": 1000}
    response = await client.post(ORDER, params={"key": key}, json=body)
    assert_error(response, 400)
    assert response.json()["error"] == "Insufficient balance"
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_orders")) == 0
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'charge'")) == 0
    assert balance_of(db, key) == 49999


async def test_an_order_without_a_valid_key_is_refused_before_its_parameters(client: httpx.AsyncClient) -> None:
    assert_error(await client.post(ORDER, params={"key": "nope"}, json={"quantity": "x"}), 401, "Invalid API key")


async def test_order_ids_are_integers_and_increase(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="100")
    body = {"service": add_service(rate="1"), "link": "https://example.com/u", "quantity": 100}
    ids = [(await client.post(ORDER, params={"key": key}, json=body)).json()["data"]["order_id"] for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert all(re.fullmatch(r"\d+", str(i)) for i in ids)
