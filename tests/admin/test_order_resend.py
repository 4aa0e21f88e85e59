"""Resending a flagged SMM order from the back office and the CLI: owner and support may, only after
confirming the provider has no record of it, once however many tabs submit it, and always audited."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from flashpanel.admin import orders
from flashpanel.admin.actions import perform
from flashpanel.admin.audit import Actor, AuditFilter, entries
from flashpanel.db.runner import Database
from flashpanel.errors import FlashpanelError, RuleViolation
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.resend import Resent
from tests.admin.support import enrol_and_log_in, form_fields, make_operator
from tests.helpers import run_cli

SUPPORT = Actor(name="ngozi", role="support", address="192.0.2.8", operator_id=2)
CHECKBOX = "I checked at the provider that it has no record of this order"


@pytest.fixture
def flagged_order(db: Database, smm_order: Callable[..., int]) -> Callable[..., int]:
    """``flagged_order("ada")``: an order the provider accepted as ``up-1`` and now says it does not know."""

    def make(name: str) -> int:
        order_id = smm_order(name)
        db.write_sync(
            apply_transition, order_id=order_id, expected="pending", target="processing", upstream_order_id="up-1"
        )
        db.write_sync(
            lambda c: c.execute(
                "UPDATE smm_orders SET attention = 'the provider does not know it', attention_at = 1 WHERE id = ?",
                (order_id,),
            )
        )
        return order_id

    return make


def _status(db: Database, order_id: int) -> str:
    return str(db.read_sync(lambda c: c.scalar("SELECT status FROM smm_orders WHERE id = ?", (order_id,))))


async def test_two_resends_at_once_resend_the_order_once(db: Database, flagged_order: Callable[..., int]) -> None:
    order_id = flagged_order("ada")
    clicks = [
        perform(db, orders.smm_resend, actor=SUPPORT, order_id=order_id, checked_upstream=True, request_id=f"tab-{n}")
        for n in (1, 2)
    ]
    results = await asyncio.gather(*clicks, return_exceptions=True)
    assert sum(isinstance(r, Resent) for r in results) == 1
    [refusal] = [r for r in results if isinstance(r, FlashpanelError)]
    assert "only an order in flight" in refusal.message or "not flagged" in refusal.message
    rows = db.read_sync(entries, flt=AuditFilter(action="smm.resend"))
    assert sorted(r.outcome for r in rows) == ["done", "refused"]
    [done] = [r for r in rows if r.outcome == "done"]
    assert done.actor == "ngozi" and done.before is not None and '"upstream_order_id": "up-1"' in done.before
    changes = db.read_sync(
        lambda c: c.all("SELECT from_status, to_status FROM order_status_changes WHERE order_id = ?", (order_id,))
    )
    moves = [(r["from_status"], r["to_status"]) for r in changes]
    assert moves == [("pending", "processing"), ("processing", "pending")]


def test_support_may_resend_but_only_after_confirming_the_provider_has_no_record(
    db: Database, flagged_order: Callable[..., int]
) -> None:
    order_id = flagged_order("ada")
    with pytest.raises(RuleViolation, match="Check at the provider"):
        db.write_sync(orders.smm_resend, actor=SUPPORT, order_id=order_id, checked_upstream=False)
    assert _status(db, order_id) == "processing"
    resent = db.write_sync(orders.smm_resend, actor=SUPPORT, order_id=order_id, checked_upstream=True, note="gone")
    assert (resent.previous, _status(db, order_id)) == ("processing", "pending")
    [row] = db.read_sync(entries, flt=AuditFilter(action="smm.resend"))
    assert (row.actor, row.note, row.outcome) == ("ngozi", "gone", "done")


async def test_the_resend_form_shows_on_flagged_orders_only_and_needs_its_checkbox(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int], flagged_order: Callable[..., int]
) -> None:
    plain, flagged = smm_order("ada"), flagged_order("ada")
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    assert "Resend to provider" not in (await client.get(f"/admin/orders/smm/{plain}")).text
    page = await client.get(f"/admin/orders/smm/{flagged}")
    assert CHECKBOX in page.text and "The customer is not charged again" in page.text
    action = f"/admin/order-actions/smm/{flagged}/resend"
    fields = form_fields(page.text, action)
    unchecked = await client.post(action, data=fields)
    assert unchecked.status_code == 422 and "Check at the provider" in unchecked.text
    assert _status(db, flagged) == "processing"
    fields = form_fields((await client.get(f"/admin/orders/smm/{flagged}")).text, action)
    done = await client.post(action, data={**fields, "checked": "yes", "note": "checked on their panel"})
    assert done.status_code == 303 and _status(db, flagged) == "pending"
    after = await client.get(f"/admin/orders/smm/{flagged}")
    assert "pending again" in after.text and "Resend to provider" not in after.text


@pytest.mark.usefixtures("cli_env")
def test_the_cli_resends_a_flagged_order_as_the_system_user(db: Database, flagged_order: Callable[..., int]) -> None:
    order_id = flagged_order("ada")
    code, _, _ = run_cli("smm", "orders", "resend", str(order_id), stdin="n\n")
    assert code == 1 and _status(db, order_id) == "processing"  # the question answered no: nothing done
    code, out, _ = run_cli("smm", "orders", "resend", str(order_id), "--note", "no record upstream", stdin="y\n")
    assert code == 0 and "processing -> pending" in out and "up-1" in out
    code, _, err = run_cli("smm", "orders", "resend", str(order_id), "--yes")
    assert code == 1 and "only an order in flight" in err
    [row] = db.read_sync(entries, flt=AuditFilter(action="smm.resend"))
    assert row.actor.startswith("cli:") and row.note == "no record upstream"
