"""The bytes the handlers send (pre-encoded, D19) against the declared contract: a tour of every /api/v1
endpoint and every /api/v2 action on the demo catalog, successes and refusals, each answer checked against
the OpenAPI document (status, content type, headers, body schema) and, for /api/v1 successes, decoded
strictly into the endpoint's reply Struct (closed: no field the API document does not show) and counted
in the declared rate-limit class."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from flashpanel import demo
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.v1.contract import OPERATIONS
from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.db.runner import Database
from tests.api.conformance import assert_conforms

REPLIES = {(op.method, op.path): op.reply for op in OPERATIONS}
# A different budget per class, so each answer's X-RateLimit-Limit tells which class counted it.
BUDGETS = {RateClass.BALANCE: 61, RateClass.LIST: 31, RateClass.ORDERS: 11, RateClass.STATUS: 29}
DECLARED_CLASS = {(op.method, op.path): op.rate_class for op in OPERATIONS}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    limits = {f"rate_limit_{rate_class.value}": f"{n}/minute" for rate_class, n in BUDGETS.items()}
    return settings.model_copy(update={"simulators": True, **limits})  # the demo catalog sells through simulators


@pytest.fixture
def key(db: Database, settings: Settings) -> str:
    db.write_sync(demo.seed_catalog, secrets=open_secret_box(settings.secret_key_file))
    return db.write_sync(demo.ensure_demo_customer, key_file=settings.demo_key_file)


class Tour:
    """Sends requests with the key and checks every answer against the document."""

    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client, self.key = client, key
        self.seen: set[tuple[str, str, int]] = set()

    async def v1(self, method: str, path: str, status: int = 200, *, key: str | None = None, **params: Any) -> Any:
        path = "/api/v1" + path
        sent = {"key": self.key if key is None else key}
        if method == "GET":
            response = await self.client.get(path, params={**sent, **params})
        else:
            response = await self.client.post(path, params=sent, json=params)
        assert response.status_code == status, response.text
        body = assert_conforms(response)
        if status == 200:
            msgspec.json.decode(response.content, type=REPLIES[(method, path)], strict=True)
            assert response.headers["x-ratelimit-limit"] == str(BUDGETS[DECLARED_CLASS[(method, path)]]), path
        self.seen.add((method, path, status))
        return body["data"] if status == 200 else body["error"]

    async def v2(self, action: str, status: int = 200, **params: Any) -> Any:
        response = await self.client.post("/api/v2", data={"key": self.key, "action": action, **params})
        assert response.status_code == status, response.text
        self.seen.add(("POST", f"/api/v2 {action}", status))
        return assert_conforms(response)


async def test_every_v1_answer_matches_its_declared_schema_and_rate_class(client: httpx.AsyncClient, key: str) -> None:
    tour = Tour(client, key)
    await tour.v1("GET", "/balance")
    await tour.v1("GET", "/balance", 401, key="not-a-key")
    service = (await tour.v1("GET", "/smm/services"))[0]
    order = await tour.v1(
        "POST", "/smm/order", service=service["service_id"], link="https://example.com/p", quantity=service["min"]
    )
    await tour.v1("POST", "/smm/order", 400, service=service["service_id"])
    await tour.v1("POST", "/smm/order", 422, service=10**6, link="https://example.com/p", quantity=1)
    await tour.v1("GET", "/smm/status", order=order["order_id"])
    await tour.v1("GET", "/smm/status", 404, order=10**9)
    await tour.v1("GET", "/smm/orders", limit=5)
    country = (await tour.v1("GET", "/otp/countries"))[0]
    offer = (await tour.v1("GET", "/otp/services", country=country["id"]))[0]
    await tour.v1("GET", "/otp/services", 404, country=10**9)
    number = await tour.v1("POST", "/otp/purchase", country=country["id"], service=offer["service_id"])
    await tour.v1("POST", "/otp/purchase", 422, country=country["id"], service=10**9)
    await tour.v1("GET", "/otp/check", request_id=number["request_id"])
    await tour.v1("POST", "/otp/cancel", request_id=number["request_id"])
    await tour.v1("POST", "/otp/cancel", 422, request_id=number["request_id"])
    await tour.v1("GET", "/otp/check", 404, request_id="nothing")
    await tour.v1("GET", "/otp/orders")
    category = (await tour.v1("GET", "/accounts/categories"))[0]
    product = (await tour.v1("GET", "/accounts/products", category=category["id"]))[0]
    bought = await tour.v1("POST", "/accounts/purchase", product=product["product_id"], quantity=product["min"])
    await tour.v1("POST", "/accounts/purchase", 422, product=product["product_id"], quantity=10**6)
    await tour.v1("GET", "/accounts/orders")
    await tour.v1("GET", "/accounts/order", order=bought["order_id"])
    await tour.v1("GET", "/accounts/order", 404, order=10**9)
    too_large = await client.post(
        "/api/v1/smm/order", params={"key": key}, content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert too_large.status_code == 413
    assert_conforms(too_large)
    assert {(op.method, op.path, 200) for op in OPERATIONS} <= tour.seen


async def test_every_v2_answer_matches_its_declared_schema(client: httpx.AsyncClient, key: str, db: Database) -> None:
    tour = Tour(client, key)
    services = await tour.v2("services")
    service = next(s for s in services if s["min"])
    added = await tour.v2("add", service=service["service"], link="https://example.com/p", quantity=service["min"])
    order = added["order"]
    assert (await tour.v2("add", service=10**6, link="https://example.com/p", quantity=1))["error"]
    await tour.v2("status", order=order)
    await tour.v2("status", orders=f"{order},9,x")
    assert (await tour.v2("status", order=10**9))["error"] == "Incorrect order ID"
    db.write_sync(lambda c: c.execute("UPDATE smm_services SET refill = ? WHERE id = ?", (True, service["service"])))
    assert (await tour.v2("refill", order=order))["error"] == "Only a completed order can be refilled"
    db.write_sync(lambda c: c.execute("UPDATE smm_orders SET status = 'completed', remains = 0 WHERE id = ?", (order,)))
    refill = (await tour.v2("refill", order=order))["refill"]
    await tour.v2("refill", orders=f"{order},9")
    await tour.v2("refill_status", refill=refill)
    await tour.v2("refill_status", refills=f"{refill},9,x")
    second = await tour.v2("add", service=service["service"], link="https://example.com/q", quantity=service["min"])
    await tour.v2("cancel", orders=f"{second['order']},{order},9")
    await tour.v2("balance")
    assert (await tour.v2("nonsense"))["error"] == "Incorrect request"
    unknown_key = await client.post("/api/v2", data={"key": "not-a-key", "action": "balance"})
    assert assert_conforms(unknown_key) == {"error": "Invalid API key"}
    by_get = await client.get("/api/v2", params={"key": key, "action": "balance"})
    assert set(assert_conforms(by_get)) == {"balance", "currency"}
