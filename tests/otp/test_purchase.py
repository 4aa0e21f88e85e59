"""POST /otp/purchase: the spec's shape, every refusal leaves the balance as it was, failover, crash safety."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flashpanel.db.runner import Database
from flashpanel.otp import orders
from flashpanel.providers.base import ProviderError
from flashpanel.providers.simulator_otp import SimulatedNumberProvider
from flashpanel.state import AppState
from tests.helpers import assert_error
from tests.otp.conftest import Catalog, FakeNumbers, balance, buy, ledger_rows, order_row


async def test_purchase_debits_the_price_and_answers_in_the_spec_shape(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    db: Database,
) -> None:
    key = make_customer(balance="15000")
    before = time.time()
    response = await buy(client, key, cat.us, cat.chat)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["success", "message", "data"]
    assert body["success"] is True and body["message"] == "Number purchased successfully"
    data = body["data"]
    assert list(data) == [
        "order_id", "phone_number", "request_id", "service", "country", "charge", "status", "balance", "currency"
    ]  # fmt: skip
    assert isinstance(data["order_id"], int)
    assert data["phone_number"].startswith("+120255501") and len(data["phone_number"]) == 12  # +1 202 555 01xx
    assert data["service"] == "Chat" and data["country"] == "United States"
    assert data["charge"] == "350.00" and data["status"] == "active"
    assert data["balance"] == "14650.00" and data["currency"] == "NGN"
    assert balance(db, key) == 1465000
    row = order_row(db, data["order_id"])
    assert row["status"] == "waiting" and row["request_id"] == data["request_id"]
    assert before + 1200 <= float(row["expires_at"]) <= time.time() + 1200
    assert ledger_rows(db, data["order_id"]) == [("charge", -35000)]


async def test_request_ids_are_unique_and_unguessable(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, sim: SimulatedNumberProvider
) -> None:
    key = make_customer(balance="1000")
    first = (await buy(client, key, cat.us, cat.mail)).json()["data"]["request_id"]
    second = (await buy(client, key, cat.us, cat.mail)).json()["data"]["request_id"]
    assert first != second
    assert len(first) == 32 and int(first, 16) >= 0  # 128 random bits


@pytest.mark.parametrize("how", ["json", "form", "query"])
async def test_purchase_reads_country_and_service_from_json_form_or_query(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, sim: SimulatedNumberProvider, how: str
) -> None:
    key = make_customer(balance="1000")
    fields = {"country": str(cat.us), "service": str(cat.mail)}
    if how == "json":
        response = await client.post("/api/v1/otp/purchase", params={"key": key}, json=fields)
    elif how == "form":
        response = await client.post("/api/v1/otp/purchase", params={"key": key}, data=fields)
    else:
        response = await client.post("/api/v1/otp/purchase", params={"key": key, **fields})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["charge"] == "120.50"


async def test_unknown_pair_is_422_and_charges_nothing(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, db: Database
) -> None:
    key = make_customer(balance="1000")
    assert_error(await buy(client, key, cat.gb, cat.mail), 422, "unknown service")  # Mail is sold in the US only
    assert_error(await buy(client, key, cat.us, 9999), 422, "unknown service")
    assert_error(await buy(client, key, cat.hidden, cat.chat), 422)
    assert balance(db, key) == 100000
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM otp_orders")) == 0


async def test_bad_parameters_are_400(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog
) -> None:
    key = make_customer(balance="1000")
    url = "/api/v1/otp/purchase"
    assert_error(await client.post(url, params={"key": key}, json={"service": cat.chat}), 400, "country")
    assert_error(await client.post(url, params={"key": key}, json={"country": cat.us}), 400, "service")
    assert_error(await client.post(url, params={"key": key}, json={"country": "US", "service": cat.chat}), 400)
    assert_error(await client.post(url, params={"key": key}, json={"country": cat.us, "service": 1.5}), 400)


async def test_insufficient_balance_is_400_and_writes_nothing(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    db: Database,
) -> None:
    key = make_customer(balance="349.99")
    assert_error(await buy(client, key, cat.us, cat.chat), 400, "Insufficient balance")
    assert balance(db, key) == 34999
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM otp_orders")) == 0
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'charge'")) == 0
    assert await sim.available(upstream_country="US", upstream_service="chat") == 100


async def test_no_numbers_is_422_and_the_balance_is_unchanged(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    db: Database,
) -> None:
    sim.set_stock(upstream_country="US", upstream_service="chat", count=0)
    key = make_customer(balance="1000")
    assert_error(await buy(client, key, cat.us, cat.chat), 422, "No numbers available")
    assert balance(db, key) == 100000
    (row,) = db.read_sync(lambda c: c.all("SELECT id, status, last_error FROM otp_orders"))
    assert row["status"] == "failed" and row["last_error"]
    assert ledger_rows(db, int(row["id"])) == [("charge", -35000), ("refund", 35000)]


async def test_the_next_provider_is_used_when_the_first_has_no_numbers(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    empty, spare = map_fakes(FakeNumbers("first", stock=0), FakeNumbers("second", stock=3))
    key = make_customer(balance="1000")
    response = await buy(client, key, cat.us, cat.chat)
    assert response.status_code == 200, response.text
    row = order_row(db, response.json()["data"]["order_id"])
    assert row["upstream_activation_id"] == "second-1" and row["status"] == "waiting"
    assert empty.bought == [] and spare.stock == 2
    assert balance(db, key) == 100000 - 35000


async def test_a_failing_provider_is_skipped_too_and_all_failing_is_503_with_nothing_charged(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    map_fakes(
        FakeNumbers("down", error=ProviderError("NO_BALANCE", retryable=False, token="NO_BALANCE")),
        FakeNumbers("empty", stock=1),
    )
    key = make_customer(balance="1000")
    assert (await buy(client, key, cat.us, cat.chat)).status_code == 200  # "empty" sold its last number
    assert_error(await buy(client, key, cat.us, cat.chat), 503, "unavailable")  # one down, one empty
    assert balance(db, key) == 100000 - 35000


async def test_the_upstream_end_time_becomes_the_expiry(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    end = time.time() + 600
    map_fakes(FakeNumbers("timed", expires_at=end))
    response = await buy(client, make_customer(balance="1000"), cat.us, cat.chat)
    assert order_row(db, response.json()["data"]["order_id"])["expires_at"] == pytest.approx(end)


async def test_an_interrupted_purchase_is_refunded_exactly_once_by_the_worker(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, state: AppState, db: Database
) -> None:
    from flashpanel.customers.keys import key_digest
    from flashpanel.otp.worker import LOOPS

    key = make_customer(balance="1000")
    # Unit 1 committed, then the process died before asking the provider.
    opened = db.write_sync(
        orders.open_order, key_digest=key_digest(key), country_id=cat.us, service_id=cat.chat, simulators=True
    )
    assert balance(db, key) == 100000 - 35000
    resolve = next(loop for loop in LOOPS if loop.name == "otp-interrupted")
    assert await resolve.run_once(state) == 0  # still within the grace period: the purchase may be running
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET next_check_at = ?", (time.time() - 1,)))
    assert await resolve.run_once(state) == 1
    assert await resolve.run_once(state) == 0
    assert order_row(db, opened.order_id)["status"] == "failed"
    assert ledger_rows(db, opened.order_id) == [("charge", -35000), ("refund", 35000)]
    assert balance(db, key) == 100000


async def test_a_purchase_resolved_as_interrupted_meanwhile_gives_the_number_back(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
    state: AppState,
) -> None:
    from flashpanel.otp.service import drain_background

    def worker_resolves_it() -> None:  # the upstream was slower than the grace period
        db.write_sync(orders.resolve_interrupted, at=time.time() + orders.PENDING_GRACE_SECONDS + 1, limit=10)

    (slow,) = map_fakes(FakeNumbers("slow", on_buy=worker_resolves_it))
    key = make_customer(balance="1000")
    assert_error(await buy(client, key, cat.us, cat.chat), 503, "refunded")
    await drain_background(state)
    assert slow.cancelled == ["slow-1"]
    assert balance(db, key) == 100000


@pytest.mark.parametrize("committed_before_the_drop", [False, True], ids=["lost-before-commit", "answer-lost"])
async def test_a_number_sold_while_the_database_connection_drops_is_still_delivered_and_charged_once(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
    state: AppState,
    monkeypatch: pytest.MonkeyPatch,
    committed_before_the_drop: bool,
) -> None:
    from flashpanel.db import retry
    from flashpanel.otp.service import drain_background

    (fake,) = map_fakes(FakeNumbers("up"))
    real_write = Database.write
    dropped: list[str] = []

    async def dropping_write(self: Database, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        if fn is orders.activate and not dropped:
            dropped.append(fn.__name__)
            if committed_before_the_drop:  # the server committed; the answer died with the connection
                await real_write(self, fn, *args, **kwargs)
            raise ConnectionError("server closed the connection unexpectedly")
        return await real_write(self, fn, *args, **kwargs)

    monkeypatch.setattr(Database, "write", dropping_write)
    monkeypatch.setattr(retry, "RETRY_DELAYS", (0.0, 0.0, 0.0))
    key = make_customer(balance="1000")
    response = await buy(client, key, cat.us, cat.chat)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert dropped == ["activate"] and data["status"] == "active" and data["balance"] == "650.00"
    assert order_row(db, data["order_id"])["status"] == "waiting"
    assert ledger_rows(db, data["order_id"]) == [("charge", -35000)]
    await drain_background(state)
    assert fake.bought == ["up-1"] and fake.cancelled == []
