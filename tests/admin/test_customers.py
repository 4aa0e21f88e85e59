"""Customer actions of the back office: credit/debit through the ledger with their audit row, the role
check, refusals audited, and a money form submitted twice (or from two tabs) moving money once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

import pytest

from flashpanel.admin import customers
from flashpanel.admin.actions import perform
from flashpanel.admin.audit import Actor, AlreadySubmitted, AuditFilter, entries
from flashpanel.admin.roles import NotPermitted
from flashpanel.customers.accounts import profile
from flashpanel.db.runner import Database
from flashpanel.errors import FlashpanelError, RuleViolation
from flashpanel.wallet.service import recent_entries
from tests.admin.conftest import balance_cents, customer_id

OWNER = Actor(name="olu", role="owner", address="192.0.2.7", operator_id=1)
SUPPORT = Actor(name="ngozi", role="support", address="192.0.2.8", operator_id=2)


def _adjust(db: Database, name: str, amount: str, *, actor: Actor = OWNER, request_id: str | None = None) -> int:
    result: int = db.write_sync(
        customers.adjust_wallet,
        actor=actor,
        customer_id=customer_id(db, name),
        amount=Decimal(amount),
        note="bank transfer 42",
        seen_balance_cents=balance_cents(db, name),
        request_id=request_id,
    )
    return result


def test_a_credit_is_one_adjustment_entry_and_one_audit_row(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("ada", balance="10")
    assert _adjust(db, "ada", "25.50") == 3550
    [entry, _] = db.read_sync(recent_entries, customer_id=customer_id(db, "ada"), limit=5)
    assert (entry.kind, entry.amount, entry.note) == ("adjustment", Decimal("25.50"), "bank transfer 42 (by olu)")
    [row] = db.read_sync(entries, flt=AuditFilter(action="wallet.adjust"))
    assert (row.actor, row.object_id, row.note, row.address, row.outcome) == (
        "olu",
        str(customer_id(db, "ada")),
        "bank transfer 42",
        "192.0.2.7",
        "done",
    )
    assert row.before == '{"balance": "10.00"}' and '"balance": "35.50"' in (row.after or "")


def test_a_debit_never_takes_a_balance_below_zero(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("ada", balance="10")
    with pytest.raises(RuleViolation, match="below zero"):
        _adjust(db, "ada", "-10.01")
    assert _adjust(db, "ada", "-10.00") == 0


def test_a_credit_needs_a_note(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("ada", balance="10")
    with pytest.raises(RuleViolation, match="needs a note"):
        db.write_sync(
            customers.adjust_wallet,
            actor=OWNER,
            customer_id=customer_id(db, "ada"),
            amount=Decimal(1),
            note=" ",
            seen_balance_cents=1000,
        )


async def test_a_support_operator_is_refused_a_credit_and_the_refusal_is_audited(
    db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("ada", balance="10")
    with pytest.raises(NotPermitted):
        await perform(
            db,
            customers.adjust_wallet,
            actor=SUPPORT,
            customer_id=customer_id(db, "ada"),
            amount=Decimal(5),
            note="please",
            seen_balance_cents=1000,
        )
    assert balance_cents(db, "ada") == 1000
    [row] = db.read_sync(entries, flt=AuditFilter(actor="ngozi"))
    assert (row.action, row.outcome, row.note) == ("wallet.adjust", "refused", "please")
    assert "owners" in (row.after or "")


async def test_a_credit_form_submitted_twice_at_once_moves_money_once(
    db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("ada", balance="10")
    same_form = {
        "actor": OWNER,
        "customer_id": customer_id(db, "ada"),
        "amount": Decimal("5"),
        "note": "n",
        "seen_balance_cents": 1000,
        "request_id": "form-1",
    }
    results = await asyncio.gather(
        perform(db, customers.adjust_wallet, **same_form),
        perform(db, customers.adjust_wallet, **same_form),
        return_exceptions=True,
    )
    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, (AlreadySubmitted, RuleViolation)) for r in results) == 1
    assert balance_cents(db, "ada") == 1500
    assert [r.outcome for r in db.read_sync(entries, flt=AuditFilter(action="wallet.adjust"))] == ["refused", "done"]


async def test_credit_forms_from_two_tabs_move_money_once(db: Database, make_customer: Callable[..., str]) -> None:
    """Two tabs rendered the same balance: each form has its own id, the balance check stops the second."""
    make_customer("ada", balance="10")
    tabs = [
        perform(
            db,
            customers.adjust_wallet,
            actor=OWNER,
            customer_id=customer_id(db, "ada"),
            amount=Decimal("5"),
            note="n",
            seen_balance_cents=1000,
            request_id=f"tab-{n}",
        )
        for n in (1, 2)
    ]
    results = await asyncio.gather(*tabs, return_exceptions=True)
    refused = [r for r in results if isinstance(r, FlashpanelError)]
    assert len(refused) == 1 and "balance changed" in refused[0].message
    assert balance_cents(db, "ada") == 1500


def test_the_same_form_id_is_refused_after_the_first_commit(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("ada", balance="10")
    _adjust(db, "ada", "1", request_id="form-9")
    with pytest.raises(AlreadySubmitted):
        _adjust(db, "ada", "1", request_id="form-9")
    assert balance_cents(db, "ada") == 1100


def test_disabling_a_customer_is_allowed_to_support_and_audited(
    db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("ada")
    db.write_sync(customers.set_active, actor=SUPPORT, customer_id=customer_id(db, "ada"), active=False)
    assert db.read_sync(profile, customer_id=customer_id(db, "ada")).active is False
    db.write_sync(customers.set_active, actor=SUPPORT, customer_id=customer_id(db, "ada"), active=True)
    actions = [r.action for r in db.read_sync(entries, flt=AuditFilter(actor="ngozi"))]
    assert actions == ["customer.enable", "customer.disable"]


def test_rotating_a_key_is_for_owners_and_returns_the_new_key_once(
    db: Database, make_customer: Callable[..., str]
) -> None:
    old = make_customer("ada")
    with pytest.raises(NotPermitted):
        db.write_sync(customers.rotate_key, actor=SUPPORT, customer_id=customer_id(db, "ada"))
    new = db.write_sync(customers.rotate_key, actor=OWNER, customer_id=customer_id(db, "ada"))
    assert new != old
    [row] = db.read_sync(entries, flt=AuditFilter(action="customer.rotate_key"))
    assert new not in (row.after or "") and new[:8] in (row.after or "")


def test_a_reset_link_is_issued_for_support_and_audited(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("ada")
    token, email = db.write_sync(customers.issue_reset_link, actor=SUPPORT, customer_id=customer_id(db, "ada"))
    assert len(token) > 20 and email is None
    assert db.read_sync(entries, flt=AuditFilter())[0].action == "customer.reset_link"


def test_search_finds_customers_by_name_email_or_key_prefix(db: Database, make_customer: Callable[..., str]) -> None:
    key = make_customer("ada-lovelace")
    make_customer("grace")
    db.write_sync(lambda c: c.execute("UPDATE customers SET email = 'countess@example.com' WHERE name = 'grace'"))
    assert [h.name for h in db.read_sync(customers.search, query="LOVE")] == ["ada-lovelace"]
    assert [h.name for h in db.read_sync(customers.search, query="countess@")] == ["grace"]
    assert [h.name for h in db.read_sync(customers.search, query=key[:6])] == ["ada-lovelace"]
    assert [h.name for h in db.read_sync(customers.search, query="")] == ["grace", "ada-lovelace"]
    assert db.read_sync(customers.search, query="%") == []


def test_a_customer_created_in_the_back_office_starts_empty_and_is_audited(db: Database) -> None:
    customer, key = db.write_sync(customers.create, actor=SUPPORT, name="Zainab", email="z@example.com")
    assert db.read_sync(profile, customer_id=customer).balance_cents == 0 and len(key) > 20
    [row] = db.read_sync(entries, flt=AuditFilter(action="customer.create"))
    assert (row.actor, row.after) == ("ngozi", '{"email": "z@example.com", "name": "zainab"}')
    with pytest.raises(RuleViolation, match="already exists"):
        db.write_sync(customers.create, actor=SUPPORT, name="zainab", email=None)
