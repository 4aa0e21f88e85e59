"""Payments in the back office: re-check a top-up with its gateway, approve or reject a bank transfer.
Each goes through the payments service with its audit row in the same unit of work; refusals are
audited; a double submission credits once (on both backends: tests/run_all.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from flashpanel.admin import payments
from flashpanel.admin.actions import perform
from flashpanel.admin.audit import Actor, AlreadySubmitted, AuditFilter, entries
from flashpanel.admin.dashboard import needs_attention
from flashpanel.admin.pages import payments as payment_pages
from flashpanel.admin.roles import NotPermitted
from flashpanel.config import Settings
from flashpanel.db.runner import Database, now
from flashpanel.errors import FlashpanelError, RuleViolation
from flashpanel.payments.gateways.base import Gateway
from flashpanel.payments.manual import submit_transfer
from flashpanel.payments.topups import Topup, get_topup
from flashpanel.wallet.invariants import check_books
from tests.admin.conftest import balance_cents, customer_id
from tests.admin.support import enrol_and_log_in, form_fields, make_operator
from tests.conftest import REDIS_URL
from tests.helpers import run_cli
from tests.payments.conftest import FUNDING, HASH, SECRET, Fakes, begin_topup, topup_entries
from tests.payments.conftest import fakes as fakes  # the fixture ``settings`` uses

OWNER = Actor(name="olu", role="owner", address="192.0.2.7", operator_id=1)
SUPPORT = Actor(name="ngozi", role="support", address="192.0.2.8", operator_id=2)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, fakes: Fakes) -> Settings:
    """Both fake gateways configured, and bank transfers offered."""
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        secret_key_file=tmp_path / "secret.key",
        demo_key_file=tmp_path / "demo.key",
        run_worker=False,
        paystack_secret_key=SECRET,
        paystack_base_url=fakes.paystack.base_url,
        flutterwave_secret_key=SECRET,
        flutterwave_secret_hash=HASH,
        flutterwave_base_url=fakes.flutterwave.base_url,
        funding_instructions=FUNDING,
    )


@pytest.fixture
def gateways(settings: Settings) -> dict[str, Gateway]:
    from flashpanel.payments.gateways import configured_gateways

    return configured_gateways(settings)


def _transfer(db: Database, settings: Settings, make_customer: Callable[..., str], name: str = "ada") -> Topup:
    make_customer(name, balance="0")
    topup: Topup = db.write_sync(
        submit_transfer,
        settings=settings,
        customer_id=customer_id(db, name),
        amount=Decimal("5000"),
        transfer_reference="GTB 0042 from Ada",
    )
    return topup


async def _online(
    db: Database, settings: Settings, gateways: dict[str, Gateway], make_customer: Callable[..., str], *,
    name: str, gateway: str, amount: str,
) -> Topup:  # fmt: skip
    """A customer (with the email a gateway needs) and their pending top-up through ``gateway``."""
    make_customer(name, balance="0")
    owner = customer_id(db, name)
    db.write_sync(
        lambda conn: conn.execute("UPDATE customers SET email = ? WHERE id = ?", (f"{name}@example.com", owner))
    )
    return await begin_topup(db, settings, gateways, customer_id=owner, gateway=gateway, amount=amount)


def _audit(db: Database, action: str) -> list[tuple[str, str | None, str]]:
    rows = db.read_sync(entries, flt=AuditFilter(action=action))
    return [(r.actor, r.object_id, r.outcome) for r in rows]


async def test_approving_a_transfer_credits_it_once_with_its_audit_row(
    db: Database, settings: Settings, make_customer: Callable[..., str]
) -> None:
    topup = _transfer(db, settings, make_customer)
    done = await perform(
        db, payments.approve, actor=OWNER, reference=topup.reference, note="seen on the statement", request_id="r1"
    )
    assert done.status == "credited"
    assert db.read_sync(topup_entries, topup_id=topup.id) == [500_000]
    assert balance_cents(db, "ada") == 500_000
    [row] = db.read_sync(entries, flt=AuditFilter(action="topup.approve"))
    assert (row.actor, row.object_kind, row.object_id, row.note, row.outcome) == (
        "olu",
        "topup",
        topup.reference,
        "seen on the statement",
        "done",
    )
    assert '"status": "awaiting_approval"' in (row.before or "") and '"status": "credited"' in (row.after or "")


async def test_a_transfer_approved_twice_at_once_is_credited_once(
    db: Database, settings: Settings, make_customer: Callable[..., str]
) -> None:
    topup = _transfer(db, settings, make_customer)
    clicks = [
        perform(db, payments.approve, actor=OWNER, reference=topup.reference, request_id=request_id)
        for request_id in ("same-form", "same-form", "other-tab", "another-tab")
    ]
    results = await asyncio.gather(*clicks, return_exceptions=True)
    assert sum(isinstance(r, Topup) for r in results) == 1
    assert all(isinstance(r, AlreadySubmitted | RuleViolation) for r in results if not isinstance(r, Topup))
    assert db.read_sync(topup_entries, topup_id=topup.id) == [500_000]
    assert balance_cents(db, "ada") == 500_000
    outcomes = sorted(outcome for _, _, outcome in _audit(db, "topup.approve"))
    assert outcomes == ["done", "refused", "refused", "refused"]
    books = db.read_sync(check_books)
    assert books.ok, books.violations


async def test_a_support_operator_may_not_approve_or_reject_and_each_refusal_is_audited(
    db: Database, settings: Settings, make_customer: Callable[..., str]
) -> None:
    topup = _transfer(db, settings, make_customer)
    with pytest.raises(NotPermitted):
        await perform(db, payments.approve, actor=SUPPORT, reference=topup.reference)
    with pytest.raises(NotPermitted):
        await perform(db, payments.reject, actor=SUPPORT, reference=topup.reference, note="looks odd")
    assert db.read_sync(get_topup, reference=topup.reference).status == "awaiting_approval"
    assert balance_cents(db, "ada") == 0
    assert _audit(db, "topup.approve") == [("ngozi", topup.reference, "refused")]
    assert _audit(db, "topup.reject") == [("ngozi", topup.reference, "refused")]


async def test_a_rejection_needs_a_note_credits_nothing_and_cannot_be_approved_after(
    db: Database, settings: Settings, make_customer: Callable[..., str]
) -> None:
    topup = _transfer(db, settings, make_customer)
    with pytest.raises(RuleViolation, match="why"):
        await perform(db, payments.reject, actor=OWNER, reference=topup.reference, note="  ")
    rejected = await perform(
        db, payments.reject, actor=OWNER, reference=topup.reference, note="no such transfer on the statement"
    )
    assert rejected.status == "rejected" and "no such transfer" in (rejected.note or "")
    with pytest.raises(RuleViolation, match="not awaiting approval"):
        await perform(db, payments.approve, actor=OWNER, reference=topup.reference)
    assert db.read_sync(topup_entries, topup_id=topup.id) == []
    assert sorted(o for _, _, o in _audit(db, "topup.reject")) == ["done", "refused"]


async def test_a_recheck_by_any_operator_credits_a_paid_topup_once_even_sent_twice_at_once(
    db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes, make_customer: Callable[..., str]
) -> None:
    topup = await _online(db, settings, gateways, make_customer, name="ada", gateway="paystack", amount="2500")
    fakes.paystack.pay(topup.reference)
    results = await asyncio.gather(
        *(
            payments.recheck(db, gateways, actor=actor, reference=topup.reference, request_id=request_id)
            for actor, request_id in ((SUPPORT, "a"), (SUPPORT, "a"), (OWNER, "b"), (OWNER, None))
        ),
        return_exceptions=True,
    )
    credited = [r for r in results if isinstance(r, payments.Rechecked) and r.credited_now]
    assert len(credited) == 1 and credited[0].topup.status == "credited"
    assert all(isinstance(r, payments.Rechecked | FlashpanelError) for r in results)
    assert db.read_sync(topup_entries, topup_id=topup.id) == [250_000]
    assert balance_cents(db, "ada") == 250_000
    audited = _audit(db, "topup.recheck")
    assert len(audited) == 4 and sum(o == "done" for _, _, o in audited) >= 1
    assert db.read_sync(get_topup, reference=topup.reference).gateway_status is not None


async def test_a_recheck_of_a_bank_transfer_or_a_credited_topup_is_refused_and_audited(
    db: Database, settings: Settings, gateways: dict[str, Gateway], make_customer: Callable[..., str]
) -> None:
    transfer = _transfer(db, settings, make_customer)
    with pytest.raises(RuleViolation, match="bank transfer"):
        await payments.recheck(db, gateways, actor=SUPPORT, reference=transfer.reference)
    await perform(db, payments.approve, actor=OWNER, reference=transfer.reference)
    with pytest.raises(RuleViolation, match="bank transfer"):
        await payments.recheck(db, gateways, actor=OWNER, reference=transfer.reference)
    assert _audit(db, "topup.recheck") == [
        ("olu", transfer.reference, "refused"),
        ("ngozi", transfer.reference, "refused"),
    ]
    assert db.read_sync(topup_entries, topup_id=transfer.id) == [500_000]


async def test_a_mismatch_found_by_a_recheck_is_flagged_not_credited_and_needs_attention(
    db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes, make_customer: Callable[..., str]
) -> None:
    topup = await _online(db, settings, gateways, make_customer, name="ada", gateway="flutterwave", amount="2500")
    fakes.flutterwave.configure(amount_delta=-100)
    fakes.flutterwave.pay(topup.reference)
    done = await payments.recheck(db, gateways, actor=OWNER, reference=topup.reference)
    assert done.topup.status == "mismatch" and not done.credited_now
    assert db.read_sync(topup_entries, topup_id=topup.id) == []
    transfer = _transfer(db, settings, make_customer, name="bayo")
    attention = db.read_sync(needs_attention, at=now(), low_stock=0)
    kinds = {(a.kind, a.line, a.object_id) for a in attention}
    assert ("payment mismatch", "payments", topup.id) in kinds
    assert ("transfer to approve", "payments", transfer.id) in kinds


async def test_topups_are_listed_by_status_gateway_and_customer(
    db: Database, settings: Settings, gateways: dict[str, Gateway], make_customer: Callable[..., str]
) -> None:
    transfer = _transfer(db, settings, make_customer, name="ada")
    online = await _online(db, settings, gateways, make_customer, name="bayo", gateway="paystack", amount="1000")

    def refs(status: str | None = None, gateway: str | None = None, customer: str | None = None) -> list[str]:
        flt = payments.TopupFilter(status=status, gateway=gateway, customer=customer)
        lines = db.read_sync(payments.list_topups, flt=flt)
        return [line.topup.reference for line in lines]

    assert refs() == [online.reference, transfer.reference]
    assert refs(status="awaiting_approval") == [transfer.reference]
    assert refs(gateway="paystack") == [online.reference]
    assert refs(customer="BAY") == [online.reference]
    assert refs(customer="zed") == []


async def test_the_payments_pages_show_the_gateways_answer_and_an_approve_form_posted_twice_credits_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, make_customer: Callable[..., str]
) -> None:
    topup = _transfer(db, settings, make_customer)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    listing = await client.get("/admin/payments?status=awaiting_approval")
    assert listing.status_code == 200 and topup.reference in listing.text and "Gateway's answer" in listing.text
    page = await client.get(f"/admin/payments/{topup.id}")
    assert page.status_code == 200 and "Approve" in page.text and "Reason for rejecting" in page.text
    fields = form_fields(page.text, f"/admin/payments/{topup.id}/approve")
    first, second = await asyncio.gather(
        client.post(f"/admin/payments/{topup.id}/approve", data=fields),
        client.post(f"/admin/payments/{topup.id}/approve", data=fields),
    )
    # The second is refused as a form already sent (409) or, when it waited on the first's row lock
    # (PostgreSQL), as a transfer no longer awaiting approval (422): either way it changed nothing.
    [refused] = [r for r in (first, second) if r.status_code != 303]
    assert refused.status_code in (409, 422)
    assert "nothing was done a second time" in refused.text or "not awaiting approval" in refused.text
    assert db.read_sync(topup_entries, topup_id=topup.id) == [500_000]
    shown = await client.get(f"/admin/payments/{topup.id}")
    assert "credited" in shown.text and "topup.approve" in shown.text
    assert (await client.get(f"/admin/payments/{topup.id + 1000}")).status_code == 404


async def test_a_support_operator_sees_payments_but_an_approval_over_http_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings, make_customer: Callable[..., str]
) -> None:
    topup = _transfer(db, settings, make_customer)
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get(f"/admin/payments/{topup.id}")
    assert page.status_code == 200 and "Only an owner may approve" in page.text
    fields = form_fields(page.text, f"/admin/payments/{topup.id}/approve")
    refused = await client.post(f"/admin/payments/{topup.id}/approve", data=fields)
    assert refused.status_code == 403
    assert db.read_sync(topup_entries, topup_id=topup.id) == []
    assert _audit(db, "topup.approve") == [("ngozi", topup.reference, "refused")]


async def test_a_recheck_over_http_credits_a_paid_topup_and_says_what_the_gateway_answered(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    gateways: dict[str, Gateway],
    fakes: Fakes,
    make_customer: Callable[..., str],
) -> None:
    topup = await _online(db, settings, gateways, make_customer, name="ada", gateway="paystack", amount="2500")
    fakes.paystack.pay(topup.reference)
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get(f"/admin/payments/{topup.id}")
    assert "Re-check" in page.text and "Approve" not in page.text
    fields = form_fields(page.text, f"/admin/payments/{topup.id}/recheck")
    done = await client.post(f"/admin/payments/{topup.id}/recheck", data=fields, follow_redirects=True)
    assert done.status_code == 200 and "credited now" in done.text and "paystack says success" in done.text
    assert db.read_sync(topup_entries, topup_id=topup.id) == [250_000]
    again = await client.get(f"/admin/payments/{topup.id}")
    assert "Re-check" not in again.text and "topup.recheck" in again.text
    mine = await client.get(f"/admin/payments?customer_id={customer_id(db, 'ada')}")
    assert topup.reference in mine.text


@pytest.mark.usefixtures("cli_env")
def test_a_transfer_approved_or_rejected_from_the_cli_is_audited_as_the_system_user(
    db: Database, settings: Settings, make_customer: Callable[..., str]
) -> None:
    first = _transfer(db, settings, make_customer, name="ada")
    second = _transfer(db, settings, make_customer, name="bayo")
    code, out, _ = run_cli("payments", "approve", first.reference)
    assert code == 0 and f"{first.reference}: credited" in out
    code, out, _ = run_cli("payments", "reject", second.reference, "--note", "no such transfer arrived")
    assert code == 0 and f"{second.reference}: rejected" in out
    [approved] = db.read_sync(entries, flt=AuditFilter(action="topup.approve"))
    [rejected] = db.read_sync(entries, flt=AuditFilter(action="topup.reject"))
    assert approved.actor.startswith("cli:") and approved.object_id == first.reference
    assert rejected.actor.startswith("cli:") and rejected.note == "no such transfer arrived"
    assert db.read_sync(topup_entries, topup_id=first.id) == [500_000]


async def test_the_top_up_list_pages_back_through_older_top_ups(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    make_customer: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = [_transfer(db, settings, make_customer, name=f"payer{n}") for n in range(3)]
    newest_two = db.read_sync(payments.list_topups, flt=payments.TopupFilter(), limit=2)
    assert [line.topup.id for line in newest_two] == [made[2].id, made[1].id]
    older = db.read_sync(payments.list_topups, flt=payments.TopupFilter(), before_id=made[1].id, limit=2)
    assert [line.topup.id for line in older] == [made[0].id]
    monkeypatch.setattr(payment_pages, "PAGE", 2)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    first = await client.get("/admin/payments", params={"gateway": "bank"})
    link = f"/admin/payments?before={made[1].id}&amp;gateway=bank"
    assert made[2].reference in first.text and made[0].reference not in first.text and link in first.text
    second = await client.get(f"/admin/payments?before={made[1].id}&gateway=bank")
    assert made[0].reference in second.text and made[2].reference not in second.text
    assert "Older top-ups" not in second.text
