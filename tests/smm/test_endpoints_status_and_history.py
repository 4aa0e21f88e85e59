"""GET /smm/status and GET /smm/orders over HTTP: only one's own orders, the spec's shapes, paging."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from flashpanel.db.runner import Conn, Database
from flashpanel.smm.lifecycle import apply_transition
from tests.helpers import assert_error

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


async def _place(client: httpx.AsyncClient, key: str, service_id: int, quantity: int = 100) -> int:
    response = await client.post(
        "/api/v1/smm/order",
        params={"key": key},
        json={"service": service_id, "link": "https://example.com/p", "quantity": quantity},
    )
    assert response.status_code == 200, response.text
    order_id: int = response.json()["data"]["order_id"]
    return order_id


async def test_status_shows_the_order_in_the_spec_shape(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="1000")
    order_id = await _place(client, key, add_service(name="Instagram Followers", rate="500"), 1000)
    response = await client.get("/api/v1/smm/status", params={"key": key, "order": order_id})
    assert response.status_code == 200
    data = response.json()["data"]
    assert ISO_UTC.fullmatch(data.pop("created_at"))
    assert response.json()["success"] is True
    assert data == {
        "order_id": order_id,
        "service": "Instagram Followers",
        "link": "https://example.com/p",
        "quantity": 1000,
        "charge": "500.00",
        "status": "pending",
        "start_count": None,
        "remains": 1000,
    }


async def test_status_shows_start_count_and_remains_once_known(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="1000")
    order_id = await _place(client, key, add_service(), 1000)
    db.write_sync(
        apply_transition, order_id=order_id, expected="pending", target="in_progress", remains=400, start_count=1500
    )
    data = (await client.get("/api/v1/smm/status", params={"key": key, "order": order_id})).json()["data"]
    assert (data["status"], data["start_count"], data["remains"]) == ("in_progress", 1500, 400)


async def test_another_customers_order_and_an_unknown_order_get_the_same_404(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    owner, stranger = make_customer(balance="1000"), make_customer(balance="1000")
    order_id = await _place(client, owner, add_service())
    foreign = await client.get("/api/v1/smm/status", params={"key": stranger, "order": order_id})
    unknown = await client.get("/api/v1/smm/status", params={"key": stranger, "order": order_id + 1000})
    assert_error(foreign, 404, "Order not found")
    assert (foreign.status_code, foreign.json()) == (unknown.status_code, unknown.json())


@pytest.mark.parametrize(("order", "message"), [(None, "missing required parameter: order"), ("x1", "order")])
async def test_status_needs_an_integer_order_id(
    client: httpx.AsyncClient, make_customer: Callable[..., str], order: str | None, message: str
) -> None:
    params = {"key": make_customer()}
    if order is not None:
        params["order"] = order
    assert_error(await client.get("/api/v1/smm/status", params=params), 400, message)


async def test_history_is_empty_for_a_new_customer(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    response = await client.get("/api/v1/smm/orders", params={"key": make_customer()})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {"orders": [], "pagination": {"current_page": 1, "per_page": 20, "total": 0, "total_pages": 0}},
    }


async def test_history_lists_only_ones_own_orders_newest_first_and_pages(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key, other = make_customer(balance="1000"), make_customer(balance="1000")
    service_id = add_service(rate="1")
    mine = [await _place(client, key, service_id) for _ in range(5)]
    await _place(client, other, service_id)

    first = (await client.get("/api/v1/smm/orders", params={"key": key, "page": 1, "limit": 2})).json()["data"]
    assert [o["order_id"] for o in first["orders"]] == [mine[4], mine[3]]
    assert first["pagination"] == {"current_page": 1, "per_page": 2, "total": 5, "total_pages": 3}
    order = first["orders"][0]
    assert ISO_UTC.fullmatch(order.pop("created_at"))
    assert order == {
        "order_id": mine[4],
        "service": "Test Followers",
        "link": "https://example.com/p",
        "quantity": 100,
        "charge": "0.10",
        "status": "pending",
        "start_count": None,
        "remains": 100,
    }

    last = (await client.get("/api/v1/smm/orders", params={"key": key, "page": 3, "limit": 2})).json()["data"]
    assert [o["order_id"] for o in last["orders"]] == [mine[0]]
    assert last["pagination"] == {"current_page": 3, "per_page": 2, "total": 5, "total_pages": 3}

    beyond = (await client.get("/api/v1/smm/orders", params={"key": key, "page": 9, "limit": 2})).json()["data"]
    assert beyond["orders"] == [] and beyond["pagination"]["total"] == 5


@pytest.mark.parametrize(
    ("params", "page", "per_page"),
    [({"limit": 0}, 1, 1), ({"limit": 500}, 1, 100), ({"page": 0}, 1, 20), ({"page": -3, "limit": -1}, 1, 1)],
)
async def test_history_clamps_page_and_limit(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    params: dict[str, int],
    page: int,
    per_page: int,
) -> None:
    key = make_customer(balance="1000")
    service_id = add_service(rate="1")
    for _ in range(3):
        await _place(client, key, service_id)
    data = (await client.get("/api/v1/smm/orders", params={"key": key, **params})).json()["data"]
    assert data["pagination"] == {
        "current_page": page,
        "per_page": per_page,
        "total": 3,
        "total_pages": (3 + per_page - 1) // per_page,
    }
    assert len(data["orders"]) == min(3, per_page)


async def test_history_refuses_a_non_integer_page(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    assert_error(await client.get("/api/v1/smm/orders", params={"key": make_customer(), "page": "two"}), 400, "page")


@pytest.mark.parametrize(
    ("sql", "index"),
    [("HISTORY_COUNT_SQL", "customers"), ("HISTORY_PAGE_SQL", "uq_smm_orders_customer_id_customer_seq")],
)
def test_history_queries_read_an_index_range_never_a_full_scan(db: Database, sql: str, index: str) -> None:
    from flashpanel.smm import service

    text = getattr(service, sql)

    def plan(conn: Conn) -> str:
        if conn.is_postgres:
            conn.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: make the planner show its index
            rows = conn.all("EXPLAIN " + text.replace("?", "1"))
            return " ".join(str(next(iter(r.values()))) for r in rows)
        return " ".join(
            str(r["detail"]) for r in conn.all("EXPLAIN QUERY PLAN " + text, (1, 20, 20)[: text.count("?")])
        )

    detail = db.read_sync(plan)
    # The total is the customer's counter (a primary-key read); a page is a range on the sequence index.
    assert index in detail, detail
    if not db.is_postgres:
        assert "SCAN o " not in detail + " " and "SCAN smm_orders " not in detail + " ", detail
        assert "SCAN customers " not in detail + " ", detail
