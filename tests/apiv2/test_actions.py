"""services, balance, add, status over HTTP, and the protocol's errors."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from flashpanel.db.runner import Conn, Database
from flashpanel.smm.lifecycle import apply_transition
from tests.apiv2.helpers import balance_cents, call, order_row


async def test_services_lists_the_active_catalog_in_the_standard_shape(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer()
    followers = add_service("Followers", rate_cents=90, low=50, high=10000, refill=True, cancel=True, dripfeed=True)
    add_service("Likes", rate_cents=123456, low=10, high=500, category="Zed Likes")
    services = await call(v2, key, "services")
    assert services[0] == {
        "service": followers,
        "name": "Followers",
        "type": "Default",
        "category": "Test",
        "rate": "0.90",
        "min": "50",
        "max": "10000",
        "refill": True,
        "cancel": True,
        "dripfeed": True,
    }
    assert services[1]["rate"] == "1234.56"
    assert (services[1]["refill"], services[1]["cancel"], services[1]["dripfeed"]) == (False, False, False)
    assert len(services) == 2


async def test_services_leaves_out_disabled_services(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer()
    kept, gone = add_service("Kept"), add_service("Gone")
    db.write_sync(_disable, service_id=gone)
    assert [s["service"] for s in await call(v2, key, "services")] == [kept]


def _disable(conn: Conn, *, service_id: int) -> None:
    conn.execute("UPDATE smm_services SET active = ? WHERE id = ?", (False, service_id))


async def test_parameters_are_read_from_a_query_a_form_or_a_json_body(
    v2: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="100.84")
    expected = {"balance": "100.84", "currency": "NGN"}
    assert (await v2.get("/api/v2", params={"key": key, "action": "balance"})).json() == expected
    assert (await v2.post("/api/v2", data={"key": key, "action": "balance"})).json() == expected
    assert (await v2.post("/api/v2", json={"key": key, "action": "balance"})).json() == expected
    assert (await v2.post("/api/v2", params={"key": key}, data={"action": "balance"})).json() == expected
    assert (await v2.post("/api/v2", data={"action": "balance"}, headers={"X-API-Key": key})).json() == expected


async def test_a_bad_or_missing_key_is_the_protocols_error_with_http_200(v2: httpx.AsyncClient) -> None:
    for data in ({"key": "nope", "action": "balance"}, {"action": "balance"}):
        response = await v2.post("/api/v2", data=data)
        assert response.status_code == 200
        assert response.json() == {"error": "Invalid API key"}
        assert "X-RateLimit-Limit" not in response.headers


async def test_an_unknown_or_missing_action_is_an_incorrect_request(
    v2: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer()
    assert await call(v2, key, "fly") == {"error": "Incorrect request"}
    response = await v2.post("/api/v2", data={"key": key})
    assert response.json() == {"error": "Incorrect request"}
    assert response.headers["X-RateLimit-Limit"] == "1000"


async def test_a_malformed_json_body_is_an_error_in_the_protocols_shape(v2: httpx.AsyncClient) -> None:
    response = await v2.post("/api/v2", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"error": "Malformed JSON body"}


async def test_the_rate_limit_is_429_with_retry_after_and_the_protocols_body(
    v2: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer()
    for _ in range(60):
        assert "balance" in await call(v2, key, "balance")
    limited = await v2.post("/api/v2", data={"key": key, "action": "balance"})
    assert limited.status_code == 429
    assert limited.json() == {"error": "Rate limit exceeded, retry later"}
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    # other action classes keep their own budget, exactly as on /api/v1
    assert isinstance(await call(v2, key, "services"), list)


async def test_add_places_and_charges_the_same_order_as_api_v1(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1234)  # 12.34 per 1000
    placed = await call(v2, key, "add", service=service, link="https://example.com/p", quantity=1500)
    assert set(placed) == {"order"} and isinstance(placed["order"], int)
    assert balance_cents(db, key) == 10000 - 1851  # 12.34 * 1.5 = 18.51
    v1 = (await v2.get("/api/v1/smm/status", params={"key": key, "order": placed["order"]})).json()
    assert v1["data"]["charge"] == "18.51" and v1["data"]["status"] == "pending"
    assert order_row(db, placed["order"])["runs"] is None


async def test_add_refuses_what_api_v1_refuses_and_writes_nothing(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="1")
    service = add_service(rate_cents=50000, low=100, high=1000)
    link = "https://example.com/p"
    cases = [
        ({"link": link, "quantity": 100}, "Missing required parameter: service"),
        ({"service": service, "link": link, "quantity": "ten"}, "Invalid parameter 'quantity': must be an integer"),
        ({"service": 999999, "link": link, "quantity": 100}, "Unknown or disabled service: 999999"),
        ({"service": service, "link": link, "quantity": 5000}, "Quantity must be between 100 and 1000"),
        ({"service": service, "link": "ftp://x", "quantity": 100}, "Invalid link: must be an http or https URL"),
        ({"service": service, "link": link, "quantity": 100}, "Insufficient balance"),
    ]
    for params, message in cases:
        assert await call(v2, key, "add", **params) == {"error": message}
    assert balance_cents(db, key) == 100
    assert (await v2.get("/api/v1/smm/orders", params={"key": key})).json()["data"]["orders"] == []


async def test_status_of_an_order_uses_the_protocols_fields_and_spelling(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000)
    order = (await call(v2, key, "add", service=service, link="https://example.com/p", quantity=1000))["order"]
    assert await call(v2, key, "status", order=order) == {
        "charge": "10.00",
        "start_count": "0",
        "status": "Pending",
        "remains": "1000",
        "currency": "NGN",
    }
    db.write_sync(
        apply_transition, order_id=order, expected="pending", target="in_progress", remains=400, start_count=77
    )
    reply = await call(v2, key, "status", order=order)
    assert (reply["status"], reply["remains"], reply["start_count"]) == ("In progress", "400", "77")
    db.write_sync(apply_transition, order_id=order, expected="in_progress", target="partial", remains=250)
    reply = await call(v2, key, "status", order=order)
    # the charge reported is what the order costs now: 10.00 less the 2.50 refunded for 250 undelivered
    assert (reply["status"], reply["remains"], reply["charge"]) == ("Partial", "250", "7.50")


async def test_status_of_an_unknown_foreign_or_malformed_id_is_incorrect_order_id(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    mine, theirs = make_customer(balance="100"), make_customer(balance="100")
    service = add_service(rate_cents=1000)
    foreign = (await call(v2, theirs, "add", service=service, link="https://example.com/p", quantity=100))["order"]
    for order in (foreign, 999999, "abc", "0"):
        assert await call(v2, mine, "status", order=order) == {"error": "Incorrect order ID"}
    assert await call(v2, mine, "status") == {"error": "Missing required parameter: order"}


async def test_multi_status_answers_every_id_keyed_as_sent(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    mine, theirs = make_customer(balance="100"), make_customer(balance="100")
    service = add_service(rate_cents=1000)
    link = "https://example.com/p"
    first = (await call(v2, mine, "add", service=service, link=link, quantity=100))["order"]
    second = (await call(v2, mine, "add", service=service, link=link, quantity=200))["order"]
    foreign = (await call(v2, theirs, "add", service=service, link=link, quantity=100))["order"]
    db.write_sync(apply_transition, order_id=second, expected="pending", target="completed", start_count=5)
    reply = await call(v2, mine, "status", orders=f"{first}, {foreign},{second},999999,abc,{first}")
    assert list(reply) == [str(first), str(foreign), str(second), "999999", "abc"]
    assert reply[str(first)]["status"] == "Pending"
    assert reply[str(second)] == {
        "charge": "2.00",
        "start_count": "5",
        "status": "Completed",
        "remains": "0",
        "currency": "NGN",
    }
    for bad in (str(foreign), "999999", "abc"):
        assert reply[bad] == {"error": "Incorrect order ID"}


async def test_multi_status_refuses_more_than_100_ids(v2: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer()
    reply = await call(v2, key, "status", orders=",".join(str(i) for i in range(1, 102)))
    assert reply == {"error": "Too many ids in 'orders': at most 100"}


async def test_balance_reports_the_wallet_after_an_order(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="15000")
    service = add_service(rate_cents=50000)
    await call(v2, key, "add", service=service, link="https://example.com/p", quantity=1000)
    assert await call(v2, key, "balance") == {"balance": "14500.00", "currency": "NGN"}
