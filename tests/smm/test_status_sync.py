"""Status sync when the upstream's answer cannot move money: a partial without a readable ``remains``,
and orders the upstream says do not exist (flagged for the operator after a while, never refunded)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar
from prometheus_client import REGISTRY

from flashpanel.config import Settings
from flashpanel.db.runner import Database
from flashpanel.errors import RuleViolation
from flashpanel.providers.base import ProviderError, SmmProgress
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.worker import ATTENTION, STATUS_SYNC, SUBMISSION
from tests.helpers import run_cli, state_of
from tests.smm.support import ledger_rows, make_due, order_row
from tests.smm.test_worker import ScriptedProvider, install, place

UNKNOWN = ProviderError("Incorrect order ID", retryable=False, token="BAD_ORDER")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Flag after 3 "unknown order" answers spanning 10 minutes (FLASHPANEL_UNKNOWN_ORDER_ATTENTION_*)."""
    return settings.model_copy(update={"unknown_order_attention_after": 3, "unknown_order_attention_seconds": 600})


@pytest.fixture
def provider(app: Litestar) -> ScriptedProvider:
    scripted = ScriptedProvider("up-1")
    install(app, scripted)
    return scripted


async def _placed_and_submitted(
    app: Litestar, client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> int:
    """One order of 1000 at 500.00 per 1000 (500.00 charged), accepted upstream as ``up-1``."""
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"))
    assert await SUBMISSION.run_once(state_of(app)) == 1
    return order_id


async def test_a_partial_without_a_readable_remains_moves_no_money_and_keeps_syncing(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    provider: ScriptedProvider,
) -> None:
    order_id = await _placed_and_submitted(app, client, make_customer, add_service)
    provider.progress["up-1"] = SmmProgress(status="partial", remains=None)  # missing, "NaN" or "33.5" upstream
    make_due(db)
    assert await STATUS_SYNC.run_once(state_of(app)) == 1
    row = order_row(db, order_id)
    assert row["status"] == "processing" and row["refunded_cents"] == 0
    assert "partial" in row["last_error"] and "remains" in row["last_error"]
    assert row["next_check_at"] > time.time() + 10  # backs off like any other unreadable answer
    assert ledger_rows(db, order_id) == [("charge", -50000)]

    provider.progress["up-1"] = SmmProgress(status="partial", remains=250)  # readable at last
    make_due(db)
    await STATUS_SYNC.run_once(state_of(app))
    assert order_row(db, order_id)["status"] == "partial"
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 12500)]


def test_the_lifecycle_refuses_a_partial_without_remains(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    from flashpanel.customers.keys import key_digest
    from flashpanel.smm import service

    key = make_customer(balance="500")
    placed = db.write_sync(
        service.place_order, key_digest=key_digest(key), service_id=add_service(rate="500"), link="https://example.com/p",
        quantity=1000, simulators=True,
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="remains"):
        db.write_sync(apply_transition, order_id=placed["order_id"], expected="pending", target="partial")
    assert order_row(db, placed["order_id"])["status"] == "pending"
    assert ledger_rows(db, placed["order_id"]) == [("charge", -50000)]


def _pretend_the_streak_began(db: Database, order_id: int, seconds_ago: float) -> None:
    db.write_sync(
        lambda c: c.execute(
            "UPDATE smm_orders SET unknown_since = ? WHERE id = ?", (time.time() - seconds_ago, order_id)
        )
    )


async def _sync(app: Litestar, db: Database) -> None:
    make_due(db)
    assert await STATUS_SYNC.run_once(state_of(app)) == 1


def _gauge() -> float | None:
    return REGISTRY.get_sample_value("flashpanel_orders_attention", {"line": "smm"})


async def test_an_order_the_upstream_keeps_calling_unknown_is_flagged_once_count_and_span_pass_and_never_refunded(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    provider: ScriptedProvider,
    cli_env: None,
) -> None:
    order_id = await _placed_and_submitted(app, client, make_customer, add_service)
    provider.progress["up-1"] = UNKNOWN
    for _ in range(4):  # the count passes quickly, but not the span
        await _sync(app, db)
    row = order_row(db, order_id)
    assert (row["unknown_answers"], row["attention_at"], row["status"]) == (4, None, "processing")

    _pretend_the_streak_began(db, order_id, seconds_ago=601)
    await _sync(app, db)
    row = order_row(db, order_id)
    assert row["status"] == "processing" and row["attention_at"] is not None
    assert "5 times" in row["attention"] and "up-1" in row["attention"]
    assert row["next_check_at"] > time.time() + 200  # still asked, every 5 minutes
    assert ledger_rows(db, order_id) == [("charge", -50000)]  # no money moved

    await ATTENTION.run_once(state_of(app))
    assert _gauge() == 1
    code, out, _ = run_cli("smm", "orders", "list", "--attention")
    assert code == 0 and f"\n{order_id} " in out and "does not know order up-1" in out
    assert len(out.strip().splitlines()) == 2  # the header and this order only

    provider.progress["up-1"] = SmmProgress(status="in_progress", remains=400)  # the upstream found it
    await _sync(app, db)
    row = order_row(db, order_id)
    assert (row["status"], row["last_error"], row["unknown_answers"], row["attention"]) == (
        "in_progress",
        None,
        0,
        None,
    )
    await ATTENTION.run_once(state_of(app))
    assert _gauge() == 0
    _, out, _ = run_cli("smm", "orders", "list", "--attention")
    assert len(out.strip().splitlines()) == 1


async def test_a_long_streak_of_too_few_unknown_answers_is_not_flagged(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    provider: ScriptedProvider,
) -> None:
    order_id = await _placed_and_submitted(app, client, make_customer, add_service)
    provider.progress["up-1"] = UNKNOWN
    await _sync(app, db)
    _pretend_the_streak_began(db, order_id, seconds_ago=3600)
    await _sync(app, db)
    assert order_row(db, order_id)["attention_at"] is None  # two answers over an hour: not yet
    await _sync(app, db)
    assert order_row(db, order_id)["attention_at"] is not None


async def test_a_status_answer_clears_the_last_error_and_the_unknown_streak(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    provider: ScriptedProvider,
) -> None:
    order_id = await _placed_and_submitted(app, client, make_customer, add_service)
    provider.progress["up-1"] = UNKNOWN
    await _sync(app, db)
    provider.progress["up-1"] = ProviderError("HTTP 502", retryable=True, token="HTTP_5XX")
    await _sync(app, db)  # another error neither counts nor breaks the streak
    row = order_row(db, order_id)
    assert (row["unknown_answers"], "HTTP 502" in row["last_error"]) == (1, True)
    provider.progress["up-1"] = SmmProgress(status="processing", remains=1000)
    await _sync(app, db)
    row = order_row(db, order_id)
    assert (row["last_error"], row["unknown_answers"], row["unknown_since"]) == (None, 0, None)


async def test_cancelling_a_flagged_order_refunds_it_once_and_clears_the_flag(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    provider: ScriptedProvider,
    cli_env: None,
) -> None:
    order_id = await _placed_and_submitted(app, client, make_customer, add_service)
    provider.progress["up-1"] = UNKNOWN
    await _sync(app, db)
    _pretend_the_streak_began(db, order_id, seconds_ago=601)
    for _ in range(2):
        await _sync(app, db)
    assert order_row(db, order_id)["attention_at"] is not None
    code, out, _ = run_cli("smm", "orders", "cancel", str(order_id))
    assert code == 0 and "refunded 500.00" in out
    row = order_row(db, order_id)
    assert (row["status"], row["attention"], row["attention_at"]) == ("cancelled", None, None)
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]
