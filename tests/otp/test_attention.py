"""Numbers refunded to the customer but not released upstream are flagged for the operator, who cancels
them at the provider by hand (``flashpanel otp orders list --attention`` / ``resolve``); and numbers
are E.164 whatever the provider sent."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from prometheus_client import REGISTRY

from flashpanel.db.runner import Database
from flashpanel.otp.service import drain_background
from flashpanel.otp.worker import ATTENTION, expire_overdue
from flashpanel.providers.base import ProviderError
from flashpanel.state import AppState
from tests.helpers import run_cli
from tests.otp.conftest import Catalog, FakeNumbers, balance, buy, ledger_rows, order_row


async def _bought(client: httpx.AsyncClient, key: str, cat: Catalog) -> dict[str, object]:
    response = await buy(client, key, cat.us, cat.chat)
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()["data"]
    return data


def _gauge() -> float | None:
    return REGISTRY.get_sample_value("flashpanel_orders_attention", {"line": "otp"})


async def test_a_cancel_refunded_while_the_upstream_cancel_failed_is_listed_until_the_operator_resolves_it(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
    cli_env: None,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    fake.cancel_error = ProviderError("HTTP 502", retryable=True, token="HTTP_5XX")
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    order_id = int(str(order["order_id"]))
    response = await client.post("/api/v1/otp/cancel", params={"key": key}, json={"request_id": order["request_id"]})
    assert response.status_code == 200  # the customer's cancel stands, refunded in full
    row = order_row(db, order_id)
    assert row["status"] == "cancelled" and row["attention_at"] is not None
    assert "activation up-1" in str(row["attention"]) and "HTTP 502" in str(row["attention"])
    assert ledger_rows(db, order_id) == [("charge", -35000), ("refund", 35000)]

    await ATTENTION.run_once(state)
    assert _gauge() == 1
    code, out, _ = run_cli("otp", "orders", "list", "--attention")
    assert code == 0 and len(out.strip().splitlines()) == 2 and "activation up-1" in out and " up-1 " in out

    code, out, _ = run_cli("otp", "orders", "resolve", str(order_id))
    assert code == 0 and "attention cleared" in out
    row = order_row(db, order_id)
    assert (row["attention"], row["attention_at"], row["status"]) == (None, None, "cancelled")
    assert "HTTP 502" in str(row["last_error"])  # the history of what happened stays
    await ATTENTION.run_once(state)
    assert _gauge() == 0
    _, out, _ = run_cli("otp", "orders", "list", "--attention")
    assert len(out.strip().splitlines()) == 1
    code, _, err = run_cli("otp", "orders", "resolve", str(order_id))
    assert code == 1 and "not flagged" in err
    assert balance(db, key) == 100000


async def test_an_expired_number_the_upstream_would_not_release_is_flagged_and_refunded_once(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    fake.cancel_error = ProviderError("ERROR_SQL", retryable=True, token="ERROR_SQL")
    key = make_customer(balance="1000")
    order_id = int(str((await _bought(client, key, cat))["order_id"]))
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET expires_at = ? WHERE id = ?", (time.time() - 1, order_id)))
    assert await expire_overdue(state) == 1
    await drain_background(state)
    row = order_row(db, order_id)
    assert row["status"] == "expired" and "activation up-1" in str(row["attention"])
    assert ledger_rows(db, order_id) == [("charge", -35000), ("refund", 35000)]


async def test_a_number_the_upstream_has_already_ended_is_not_flagged(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
) -> None:
    (fake,) = map_fakes(FakeNumbers("up"))
    fake.cancel_error = ProviderError("NO_ACTIVATION", retryable=False, token="NO_ACTIVATION")
    key = make_customer(balance="1000")
    order_id = int(str((await _bought(client, key, cat))["order_id"]))
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET expires_at = ? WHERE id = ?", (time.time() - 1, order_id)))
    assert await expire_overdue(state) == 1
    await drain_background(state)
    assert order_row(db, order_id)["attention_at"] is None


async def test_numbers_are_answered_and_stored_in_e164_whatever_the_provider_sent(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    db: Database,
) -> None:
    map_fakes(FakeNumbers("up", phone="7 (999) 123-45-67"))
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    assert order["phone_number"] == "+79991234567"
    assert order_row(db, int(str(order["order_id"])))["phone_number"] == "+79991234567"
    history = await client.get("/api/v1/otp/orders", params={"key": key})
    assert history.json()["data"]["orders"][0]["phone_number"] == "+79991234567"


async def test_a_number_that_cannot_be_e164_is_released_and_the_next_provider_sells(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
) -> None:
    garbled, good = map_fakes(FakeNumbers("garbled", phone="call us"), FakeNumbers("good"))
    key = make_customer(balance="1000")
    order = await _bought(client, key, cat)
    await drain_background(state)
    assert garbled.cancelled == ["garbled-1"] and good.bought == ["good-1"]
    assert order["phone_number"] == "+15550101"
    assert order_row(db, int(str(order["order_id"])))["attention_at"] is None
    assert balance(db, key) == 100000 - 35000
