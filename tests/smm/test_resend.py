"""Resending a flagged SMM order: back to pending with nothing of the old submission left, submitted again
by the usual loop under a new upstream id, no money moved; refused for any order that is not flagged and
in flight, or that could not be sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from litestar import Litestar

from flashpanel.db.runner import Conn, Database, now
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.providers.base import ProviderError
from flashpanel.smm import fulfilment
from flashpanel.smm.admin import set_status
from flashpanel.smm.fulfilment import Tracked, UnknownOrderRule
from flashpanel.smm.resend import resend_flagged
from flashpanel.smm.worker import SUBMISSION
from tests.helpers import state_of
from tests.smm.support import ledger_rows, order_row
from tests.smm.test_worker import ScriptedProvider, install, place


def _flag(db: Database, order_id: int) -> None:
    """The provider answers once that it does not know the order, and one answer is enough to flag it."""
    row = order_row(db, order_id)
    tracked = Tracked(
        order_id=order_id,
        status=row["status"],
        provider_id=row["provider_id"],
        upstream_order_id=row["upstream_order_id"],
        created_at=row["created_at"],
    )
    db.write_sync(
        fulfilment.apply_progress,
        order=tracked,
        progress=ProviderError("Incorrect order ID", retryable=False, token="BAD_ORDER"),
        at=now(),
        unknown_rule=UnknownOrderRule(answers=1, seconds=0),
    )
    assert order_row(db, order_id)["attention_at"] is not None


@pytest.fixture
def submitted(
    app: Litestar, client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> Callable[[], Awaitable[int]]:
    """``await submitted()``: an order of 1000 (charge 500.00) accepted by a scripted provider as ``up-1``."""

    async def make() -> int:
        install(app, ScriptedProvider())
        order_id = await place(client, make_customer(balance="500"), add_service(rate="500"))
        assert await SUBMISSION.run_once(state_of(app)) == 1
        return order_id

    return make


def _changes(db: Database, order_id: int) -> list[tuple[str, str]]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT from_status, to_status FROM order_status_changes WHERE line = 'smm' AND order_id = ? ORDER BY id",
            (order_id,),
        )
    )
    return [(r["from_status"], r["to_status"]) for r in rows]


async def test_a_resent_order_is_submitted_again_under_a_new_upstream_id_without_moving_money(
    app: Litestar, client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int],
    db: Database,
) -> None:  # fmt: skip
    provider = ScriptedProvider()
    install(app, provider)
    order_id = await place(client, make_customer(balance="500"), add_service(rate="500"))
    await SUBMISSION.run_once(state_of(app))
    db.write_sync(lambda c: c.execute("UPDATE smm_orders SET remains = 400, start_count = 7 WHERE id = ?", (order_id,)))
    _flag(db, order_id)

    resent = db.write_sync(resend_flagged, order_id=order_id)
    assert (resent.previous, resent.previous_upstream_order_id) == ("processing", "up-1")
    row = order_row(db, order_id)
    assert (row["status"], row["attempts"], row["remains"], row["delivered_runs"]) == ("pending", 0, 1000, 0)
    cleared = ("upstream_order_id", "submitting_at", "start_count", "attention", "attention_at", "unknown_since")
    assert [row[column] for column in cleared] == [None] * len(cleared)
    assert row["unknown_answers"] == 0
    assert "up-1" in row["last_error"]

    assert await SUBMISSION.run_once(state_of(app)) == 1
    row = order_row(db, order_id)
    assert (row["status"], row["upstream_order_id"], row["attempts"]) == ("processing", "up-2", 1)
    assert len(provider.submitted) == 2 and provider.submitted[1][2] == 1000  # the whole order, again
    assert ledger_rows(db, order_id) == [("charge", -50000)]
    assert _changes(db, order_id) == [("pending", "processing"), ("processing", "pending"), ("pending", "processing")]


async def test_a_resent_order_cancelled_later_is_refunded_once(
    db: Database, submitted: Callable[[], Awaitable[int]]
) -> None:
    order_id = await submitted()
    _flag(db, order_id)
    db.write_sync(resend_flagged, order_id=order_id)
    applied = db.write_sync(set_status, order_id=order_id, status="cancelled")
    assert applied.refunded_cents == 50000
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]


async def test_an_order_its_provider_knows_is_not_resent(db: Database, submitted: Callable[[], Awaitable[int]]) -> None:
    order_id = await submitted()
    with pytest.raises(RuleViolation, match="not flagged"):
        db.write_sync(resend_flagged, order_id=order_id)
    _flag(db, order_id)
    db.write_sync(resend_flagged, order_id=order_id)
    with pytest.raises(RuleViolation, match="only an order in flight"):  # pending again: a second resend is refused
        db.write_sync(resend_flagged, order_id=order_id)
    assert ledger_rows(db, order_id) == [("charge", -50000)]


async def test_a_finished_order_is_not_resent(db: Database, submitted: Callable[[], Awaitable[int]]) -> None:
    order_id = await submitted()
    _flag(db, order_id)
    db.write_sync(set_status, order_id=order_id, status="completed")
    db.write_sync(lambda c: c.execute("UPDATE smm_orders SET attention = 'x', attention_at = 1"))
    with pytest.raises(RuleViolation, match="is completed"):
        db.write_sync(resend_flagged, order_id=order_id)
    with pytest.raises(NotFound):
        db.write_sync(resend_flagged, order_id=order_id + 1000)
    assert ledger_rows(db, order_id) == [("charge", -50000)]


@pytest.mark.parametrize(
    ("arrange", "refusal"),
    [
        ("UPDATE providers SET active = ? WHERE id = (SELECT provider_id FROM smm_orders)", "provider is disabled"),
        ("UPDATE smm_services SET active = ?", "service is no longer active"),
    ],
)
async def test_an_order_that_could_not_be_sent_is_not_resent(
    db: Database, submitted: Callable[[], Awaitable[int]], arrange: str, refusal: str
) -> None:
    order_id = await submitted()
    _flag(db, order_id)
    db.write_sync(lambda c: c.execute(arrange, (False,)))
    with pytest.raises(RuleViolation, match=refusal):
        db.write_sync(resend_flagged, order_id=order_id)
    assert order_row(db, order_id)["status"] == "processing"


async def test_an_order_the_customer_asked_to_cancel_is_not_resent(
    db: Database, submitted: Callable[[], Awaitable[int]]
) -> None:
    order_id = await submitted()
    _flag(db, order_id)

    def ask_to_cancel(conn: Conn) -> None:
        conn.execute("UPDATE smm_orders SET cancel_requested_at = ? WHERE id = ?", (now(), order_id))

    db.write_sync(ask_to_cancel)
    with pytest.raises(RuleViolation, match="cancel it"):
        db.write_sync(resend_flagged, order_id=order_id)
