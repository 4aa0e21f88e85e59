"""Order actions of the back office: through each line's transition function, audited, and refunded
once however many times (or from how many tabs) the button is submitted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flashpanel.admin import orders
from flashpanel.admin.actions import perform
from flashpanel.admin.audit import Actor, AuditFilter, entries
from flashpanel.admin.pages import orders as order_pages
from flashpanel.db.runner import Database
from flashpanel.errors import FlashpanelError, RuleViolation
from tests.admin.conftest import balance_cents
from tests.admin.support import enrol_and_log_in, make_operator

SUPPORT = Actor(name="ngozi", role="support", address="192.0.2.8", operator_id=2)


def _refunds(db: Database, line: str, order_id: int) -> list[int]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT amount_cents FROM ledger_entries WHERE kind = 'refund' AND order_kind = ? AND order_id = ?",
            (line, order_id),
        )
    )
    return [int(r["amount_cents"]) for r in rows]


async def test_cancelling_an_smm_order_twice_at_once_refunds_it_once(
    db: Database, smm_order: Callable[..., int]
) -> None:
    order_id = smm_order("ada")
    assert balance_cents(db, "ada") == 50000
    clicks = [
        perform(db, orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="cancelled", request_id=f"tab-{n}")
        for n in (1, 2)
    ]
    results = await asyncio.gather(*clicks, return_exceptions=True)
    assert sum(isinstance(r, orders.OrderActionDone) for r in results) == 1
    assert sum(isinstance(r, FlashpanelError) for r in results) == 1
    assert _refunds(db, "smm", order_id) == [50000]
    assert balance_cents(db, "ada") == 100000
    outcomes = [r.outcome for r in db.read_sync(entries, flt=AuditFilter(object_kind="smm_order"))]
    assert outcomes == ["refused", "done"]


async def test_the_same_cancel_form_posted_twice_at_once_refunds_once(
    db: Database, smm_order: Callable[..., int]
) -> None:
    order_id = smm_order("ada")
    form = {"actor": SUPPORT, "order_id": order_id, "status": "cancelled", "request_id": "one-form"}
    await asyncio.gather(
        perform(db, orders.smm_set_status, **form),
        perform(db, orders.smm_set_status, **form),
        return_exceptions=True,
    )
    assert _refunds(db, "smm", order_id) == [50000]


def test_ending_an_smm_order_as_partial_refunds_its_remains(db: Database, smm_order: Callable[..., int]) -> None:
    order_id = smm_order("ada")
    done = db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="partial", remains=250)
    assert (done.previous, done.status, done.refunded_cents) == ("pending", "partial", 12500)
    assert balance_cents(db, "ada") == 62500


def test_an_operator_may_not_move_an_smm_order_back_or_to_an_arbitrary_status(
    db: Database, smm_order: Callable[..., int]
) -> None:
    order_id = smm_order("ada")
    db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="completed")
    with pytest.raises(RuleViolation):
        db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="cancelled")
    with pytest.raises(RuleViolation, match="may cancel"):
        db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="processing")
    assert _refunds(db, "smm", order_id) == []


async def test_cancelling_a_waiting_number_twice_at_once_refunds_it_once(
    db: Database, waiting_otp_order: Callable[..., int]
) -> None:
    order_id = waiting_otp_order("ada")
    assert balance_cents(db, "ada") == 85000
    clicks = [perform(db, orders.otp_cancel, actor=SUPPORT, order_id=order_id, request_id=f"tab-{n}") for n in (1, 2)]
    results = await asyncio.gather(*clicks, return_exceptions=True)
    assert sum(isinstance(r, FlashpanelError) for r in results) == 1
    assert _refunds(db, "otp", order_id) == [15000]
    assert balance_cents(db, "ada") == 100000


def test_orders_are_listed_by_line_with_filters(
    db: Database, smm_order: Callable[..., int], waiting_otp_order: Callable[..., int]
) -> None:
    first, second = smm_order("ada"), smm_order("bola")
    db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=first, status="cancelled")

    def ids(**f: Any) -> list[int]:
        rows = db.read_sync(orders.list_orders, line="smm", flt=orders.OrderFilter(**f))
        return [int(r["id"]) for r in rows]

    assert ids() == [second, first]
    assert ids(status="cancelled") == [first]
    assert ids(customer="bola") == [second]
    assert ids(service="followers", link="a-profile") == [second, first]
    assert ids(provider="simulator") == [second, first]
    assert ids(since=0.0, until=1.0) == []
    otp = waiting_otp_order("ada")
    otp_rows = db.read_sync(orders.list_orders, line="otp", flt=orders.OrderFilter(link="2348"))
    assert [int(r["id"]) for r in otp_rows] == [otp]
    with pytest.raises(RuleViolation, match="Unknown status"):
        ids(status="waiting")


def test_an_order_page_shows_its_money_and_operator_history(db: Database, smm_order: Callable[..., int]) -> None:
    order_id = smm_order("ada")
    db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="cancelled", note="customer asked")
    page = db.read_sync(orders.order_page, line="smm", order_id=order_id)
    assert [(r["kind"], int(r["amount_cents"])) for r in page.ledger] == [("charge", -50000), ("refund", 50000)]
    assert [(h["actor"], h["action"], h["note"]) for h in page.history] == [("ngozi", "smm.cancel", "customer asked")]


def test_a_bulk_cancel_states_the_money_it_would_move_and_stops_at_a_hundred(
    db: Database, smm_order: Callable[..., int]
) -> None:
    a, b = smm_order("ada"), smm_order("ada")
    db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=a, status="completed")
    preview = db.read_sync(orders.smm_bulk_cancel_preview, order_ids=[a, b])
    assert (preview.cancellable, preview.refund_cents) == ([b], 50000)
    with pytest.raises(RuleViolation, match="at most 100"):
        db.read_sync(orders.smm_bulk_cancel_preview, order_ids=list(range(1, 102)))


def test_a_flagged_number_is_marked_handled_once_and_audited(
    db: Database, waiting_otp_order: Callable[..., int]
) -> None:
    order_id = waiting_otp_order("ada")
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET attention = 'release it', attention_at = 1"))
    db.write_sync(orders.otp_resolve, actor=SUPPORT, order_id=order_id, note="released at the provider")
    with pytest.raises(RuleViolation, match="not flagged"):
        db.write_sync(orders.otp_resolve, actor=SUPPORT, order_id=order_id)
    [row] = db.read_sync(entries, flt=AuditFilter(action="otp.resolve"))
    assert (row.actor, row.note) == ("ngozi", "released at the provider")


async def test_an_order_list_pages_back_through_older_orders_keeping_its_filters(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [smm_order(name) for name in ("ada", "bea", "cyd")]
    newest_two = db.read_sync(orders.list_orders, line="smm", flt=orders.OrderFilter(), limit=2)
    assert [int(r["id"]) for r in newest_two] == [made[2], made[1]]
    older = db.read_sync(orders.list_orders, line="smm", flt=orders.OrderFilter(), before_id=made[1], limit=2)
    assert [int(r["id"]) for r in older] == [made[0]]
    monkeypatch.setattr(order_pages, "PAGE", 2)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    first = await client.get("/admin/orders/smm", params={"status": "pending"})
    assert f'href="/admin/orders/smm?before={made[1]}&amp;status=pending"' in first.text
    second = await client.get(f"/admin/orders/smm?before={made[1]}&status=pending")
    assert f"/admin/orders/smm/{made[0]}" in second.text and f"/admin/orders/smm/{made[2]}\"" not in second.text
    assert "Older orders" not in second.text
