"""Status sync when the upstream's answer cannot move money: a partial without a readable ``remains``,
and orders the upstream says do not exist (flagged for the operator after a while, never refunded)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from flashpanel.db.runner import Database
from flashpanel.errors import RuleViolation
from flashpanel.providers.base import SmmProgress
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.worker import STATUS_SYNC, SUBMISSION
from tests.helpers import state_of
from tests.smm.support import ledger_rows, make_due, order_row
from tests.smm.test_worker import ScriptedProvider, install, place


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
        service.place_order, key_digest=key_digest(key), service=add_service(rate="500"), link="https://example.com/p",
        quantity=1000,
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="remains"):
        db.write_sync(apply_transition, order_id=placed["order_id"], expected="pending", target="partial")
    assert order_row(db, placed["order_id"])["status"] == "pending"
    assert ledger_rows(db, placed["order_id"]) == [("charge", -50000)]
