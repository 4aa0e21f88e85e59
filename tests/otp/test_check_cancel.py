"""GET /otp/check, POST /otp/cancel, GET /otp/orders, and the worker's polling and expiry."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flashpanel.db.runner import Database
from flashpanel.otp.service import drain_background
from flashpanel.otp.worker import expire_overdue, poll_sms
from flashpanel.providers.base import ProviderError, SmsState
from flashpanel.providers.simulator_otp import SimulatedNumberProvider
from flashpanel.state import AppState
from tests.helpers import assert_error
from tests.otp.conftest import Catalog, Clock, FakeNumbers, balance, buy, ledger_rows, order_row


async def _bought(client: httpx.AsyncClient, key: str, cat: Catalog) -> dict[str, Any]:
    response = await buy(client, key, cat.us, cat.chat)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def _check(client: httpx.AsyncClient, key: str, request_id: str) -> httpx.Response:
    return await client.get("/api/v1/otp/check", params={"key": key, "request_id": request_id})


async def _cancel(client: httpx.AsyncClient, key: str, request_id: str) -> httpx.Response:
    return await client.post("/api/v1/otp/cancel", params={"key": key}, json={"request_id": request_id})


def _overdue(db: Database, order_id: int) -> None:
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET expires_at = ? WHERE id = ?", (time.time() - 1, order_id)))


# -- check -------------------------------------------------------------------------------------------
async def test_check_is_waiting_until_the_sms_arrives_then_completed_with_the_code(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    clock: Clock,
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    waiting = await _check(client, key, order["request_id"])
    assert waiting.status_code == 200
    assert waiting.json() == {
        "success": True,
        "data": {
            "order_id": order["order_id"],
            "phone_number": order["phone_number"],
            "status": "waiting",
            "sms_code": None,
        },
    }
    clock.advance(20)
    data = (await _check(client, key, order["request_id"])).json()["data"]
    assert data["status"] == "completed" and data["order_id"] == order["order_id"]
    assert len(data["sms_code"]) == 6 and data["sms_code"].isdigit()
    assert (await _check(client, key, order["request_id"])).json()["data"] == data
    assert balance(db, key) == 100000 - 35000


async def test_the_worker_polls_waiting_orders_and_stores_the_code(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET next_check_at = ?", (time.time() - 1,)))
    assert await poll_sms(state) == 0  # polled, still waiting: pushed back
    row = order_row(db, order["order_id"])
    assert row["checks"] == 1 and float(row["next_check_at"]) > time.time()
    assert await poll_sms(state) == 0  # not due again yet
    fake.sms["up-1"] = SmsState("received", "482913")
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET next_check_at = ?", (time.time() - 1,)))
    assert await poll_sms(state) == 1
    await drain_background(state)
    assert fake.finished == ["up-1"]
    fake.sms["up-1"] = SmsState("waiting")  # /check no longer asks the provider once completed
    data = (await _check(client, key, order["request_id"])).json()["data"]
    assert data["status"] == "completed" and data["sms_code"] == "482913"


async def test_check_of_someone_elses_or_an_unknown_order_is_404(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, sim: SimulatedNumberProvider
) -> None:
    owner, other = make_customer(balance="1000"), make_customer(balance="1000")
    order = await _bought(client, owner, cat)
    assert_error(await _check(client, other, order["request_id"]), 404, "Order not found")
    assert_error(await _check(client, owner, "nope"), 404, "Order not found")
    assert_error(await client.get("/api/v1/otp/check", params={"key": owner}), 400, "request_id")
    assert_error(await _cancel(client, other, order["request_id"]), 404, "Order not found")


async def test_a_check_after_the_deadline_expires_and_refunds_at_once(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    state: AppState,
    db: Database,
) -> None:
    state.settings.otp_ttl_seconds = 0  # every order is overdue the moment it is bought
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    assert await sim.available(upstream_country="US", upstream_service="chat") == 99
    data = (await _check(client, key, order["request_id"])).json()["data"]
    assert data["status"] == "expired" and data["sms_code"] is None
    assert balance(db, key) == 100000
    assert ledger_rows(db, order["order_id"]) == [("charge", -35000), ("refund", 35000)]
    await drain_background(state)
    assert await sim.available(upstream_country="US", upstream_service="chat") == 100  # number released
    assert (await _check(client, key, order["request_id"])).json()["data"]["status"] == "expired"
    assert balance(db, key) == 100000


async def test_the_sweeper_expires_overdue_orders_with_one_refund_each(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    state: AppState,
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    overdue, current = await _bought(client, key, cat), await _bought(client, key, cat)
    _overdue(db, overdue["order_id"])
    assert await expire_overdue(state) == 1
    assert await expire_overdue(state) == 0
    assert order_row(db, overdue["order_id"])["status"] == "expired"
    assert order_row(db, current["order_id"])["status"] == "waiting"
    assert balance(db, key) == 100000 - 35000
    await drain_background(state)
    assert await sim.available(upstream_country="US", upstream_service="chat") == 99


async def test_the_sweeper_delivers_a_code_that_reached_the_upstream_before_the_deadline_instead_of_refunding(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    key = make_customer(balance="1000")
    late_code, silent = await _bought(client, key, cat), await _bought(client, key, cat)
    fake.sms["up-1"] = SmsState("received", "482913")  # arrived after the last poll, before the deadline
    _overdue(db, late_code["order_id"])
    _overdue(db, silent["order_id"])
    assert await expire_overdue(state) == 1
    assert order_row(db, late_code["order_id"])["status"] == "completed"
    assert order_row(db, late_code["order_id"])["sms_code"] == "482913"
    assert order_row(db, silent["order_id"])["status"] == "expired"
    assert ledger_rows(db, late_code["order_id"]) == [("charge", -35000)]
    assert ledger_rows(db, silent["order_id"]) == [("charge", -35000), ("refund", 35000)]
    await drain_background(state)
    assert fake.finished == ["up-1"] and fake.cancelled == ["up-2"]
    assert await expire_overdue(state) == 0


async def test_a_check_after_the_deadline_delivers_a_code_the_upstream_already_has(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    fake.sms["up-1"] = SmsState("received", "105577")
    _overdue(db, order["order_id"])
    data = (await _check(client, key, order["request_id"])).json()["data"]
    assert data["status"] == "completed" and data["sms_code"] == "105577"
    assert_error(await _cancel(client, key, order["request_id"]), 422, "already completed")
    assert balance(db, key) == 100000 - 35000


async def test_an_overdue_order_expires_when_its_provider_cannot_be_asked(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    del fake.sms["up-1"]  # check_sms now raises: the provider is unreachable for this activation
    _overdue(db, order["order_id"])
    assert await expire_overdue(state) == 1
    assert order_row(db, order["order_id"])["status"] == "expired"
    assert balance(db, key) == 100000


async def test_an_activation_ended_upstream_expires_with_a_refund_at_its_deadline(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    fake.sms["up-1"] = SmsState("cancelled")
    assert (await _check(client, key, order["request_id"])).json()["data"]["status"] == "waiting"
    _overdue(db, order["order_id"])
    assert (await _check(client, key, order["request_id"])).json()["data"]["status"] == "expired"
    assert balance(db, key) == 100000


# -- cancel ------------------------------------------------------------------------------------------
async def test_cancel_refunds_in_full_and_answers_in_the_spec_shape(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    db: Database,
) -> None:
    key = make_customer(balance="15000")
    order = await _bought(client, key, cat)
    response = await _cancel(client, key, order["request_id"])
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Order cancelled and refunded successfully",
        "data": {"order_id": order["order_id"], "refund_amount": "350.00", "balance": "15000.00"},
    }
    assert await sim.available(upstream_country="US", upstream_service="chat") == 100
    assert (await _check(client, key, order["request_id"])).json()["data"]["status"] == "cancelled"


async def test_a_second_cancel_is_422_and_refunds_nothing(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    assert (await _cancel(client, key, order["request_id"])).status_code == 200
    assert_error(await _cancel(client, key, order["request_id"]), 422, "already cancelled")
    assert balance(db, key) == 100000
    assert ledger_rows(db, order["order_id"]) == [("charge", -35000), ("refund", 35000)]


async def test_cancelling_a_completed_or_expired_order_is_422_without_a_refund(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    clock: Clock,
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    done = await _bought(client, key, cat)
    clock.advance(20)
    await _check(client, key, done["request_id"])
    assert_error(await _cancel(client, key, done["request_id"]), 422, "already completed")
    late = await _bought(client, key, cat)  # bought now, so no SMS has reached the simulator for it
    _overdue(db, late["order_id"])
    assert_error(await _cancel(client, key, late["request_id"]), 422, "already expired")
    assert_error(await _cancel(client, key, late["request_id"]), 422, "already expired")
    assert balance(db, key) == 100000 - 35000  # the completed one paid; the expired one refunded once


async def test_an_early_cancel_refused_upstream_is_422_and_the_order_keeps_waiting(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    fake.cancel_error = ProviderError("EARLY_CANCEL_DENIED", retryable=True, token="EARLY_CANCEL_DENIED")
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    assert_error(await _cancel(client, key, order["request_id"]), 422, "try again")
    assert order_row(db, order["order_id"])["status"] == "waiting"
    assert balance(db, key) == 100000 - 35000
    fake.cancel_error = None
    assert (await _cancel(client, key, order["request_id"])).status_code == 200
    assert balance(db, key) == 100000


async def test_a_cancel_stands_when_the_upstream_is_down(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    fake.cancel_error = ProviderError("HTTP 502", retryable=True)
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    assert (await _cancel(client, key, order["request_id"])).status_code == 200
    row = order_row(db, order["order_id"])
    assert row["status"] == "cancelled" and "HTTP 502" in str(row["last_error"])
    assert balance(db, key) == 100000


# -- history -----------------------------------------------------------------------------------------
async def test_history_lists_the_callers_orders_newest_first_in_the_spec_shape(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    clock: Clock,
) -> None:
    key, other = make_customer(balance="5000"), make_customer(balance="5000")
    first = await _bought(client, key, cat)
    clock.advance(20)
    await _check(client, key, first["request_id"])
    second = await _bought(client, key, cat)
    await _bought(client, other, cat)
    response = await client.get("/api/v1/otp/orders", params={"key": key})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and list(body["data"]) == ["orders", "pagination"]
    assert body["data"]["pagination"] == {"current_page": 1, "per_page": 20, "total": 2, "total_pages": 1}
    newest, oldest = body["data"]["orders"]
    assert list(oldest) == [
        "order_id", "request_id", "phone_number", "service", "country", "charge", "status", "sms_code", "created_at"
    ]  # fmt: skip
    assert newest["order_id"] == second["order_id"] and newest["status"] == "waiting" and newest["sms_code"] is None
    assert oldest["order_id"] == first["order_id"] and oldest["request_id"] == first["request_id"]
    assert oldest["phone_number"] == first["phone_number"]
    assert oldest["service"] == "Chat" and oldest["country"] == "United States" and oldest["charge"] == "350.00"
    assert oldest["status"] == "completed" and len(oldest["sms_code"]) == 6
    assert oldest["created_at"].endswith("+00:00") and oldest["created_at"][:4].isdigit()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"page": 2, "limit": 2}, {"current_page": 2, "per_page": 2, "total": 3, "total_pages": 2}),
        ({"limit": 500}, {"current_page": 1, "per_page": 100, "total": 3, "total_pages": 1}),
        ({"page": 0, "limit": 0}, {"current_page": 1, "per_page": 1, "total": 3, "total_pages": 3}),
    ],
)
async def test_history_paginates(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    params: dict[str, int],
    expected: dict[str, int],
) -> None:
    key = make_customer(balance="5000")
    ids = [(await _bought(client, key, cat))["order_id"] for _ in range(3)]
    body = (await client.get("/api/v1/otp/orders", params={"key": key, **params})).json()["data"]
    assert body["pagination"] == expected
    page, limit = expected["current_page"], expected["per_page"]
    assert [o["order_id"] for o in body["orders"]] == ids[::-1][(page - 1) * limit : page * limit]


async def test_history_answers_a_page_whose_offset_is_past_64_bits_with_no_orders(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, sim: SimulatedNumberProvider
) -> None:
    # Found by schemathesis (make contract): (page - 1) * limit overflowed the database's OFFSET, a 500.
    key = make_customer(balance="5000")
    await _bought(client, key, cat)
    response = await client.get("/api/v1/otp/orders", params={"key": key, "page": 2**63 - 2, "limit": 20})
    assert response.status_code == 200
    assert response.json()["data"]["orders"] == []
    assert response.json()["data"]["pagination"]["total"] == 1


async def test_history_rejects_a_non_integer_page(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog
) -> None:
    assert_error(await client.get("/api/v1/otp/orders", params={"key": make_customer(), "page": "x"}), 400, "page")


async def test_cancelling_after_the_code_arrived_upstream_delivers_it_instead_of_refunding(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    clock: Clock,
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    clock.advance(20)  # the SMS is there, but nobody has checked yet
    assert_error(await _cancel(client, key, order["request_id"]), 422, "already completed")
    data = (await _check(client, key, order["request_id"])).json()["data"]
    assert data["status"] == "completed" and data["sms_code"]
    assert balance(db, key) == 100000 - 35000
