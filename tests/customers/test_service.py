"""Operator corrections and the customer overview, as the CLI (and later the back office) call them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from flashpanel.customers import overview, service
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.wallet import ledger


def _ledger(db: Database, name: str) -> list[tuple[int, str, str | None, int]]:
    def rows(conn: Conn) -> list[tuple[int, str, str | None, int]]:
        customer_id = service.customer_id_by_name(conn, name=name)
        return [
            (int(r["amount_cents"]), r["kind"], r["note"], int(r["balance_after_cents"]))
            for r in conn.all("SELECT * FROM ledger_entries WHERE customer_id = ? ORDER BY id", (customer_id,))
        ]

    return db.read_sync(rows)


def test_a_negative_adjustment_debits_with_one_adjustment_entry(
    db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("alice", balance="500")
    balance = db.write_sync(service.adjust_balance, name="alice", amount=Decimal("-100"), note="duplicate top-up")
    assert balance == Decimal("400.00")
    assert _ledger(db, "alice")[-1] == (-10000, "adjustment", "duplicate top-up", 40000)


def test_a_positive_adjustment_credits(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("alice", balance="1.01")
    assert db.write_sync(service.adjust_balance, name="alice", amount=Decimal("0.99"), note="goodwill") == Decimal("2")
    assert _ledger(db, "alice")[-1] == (99, "adjustment", "goodwill", 200)


def test_an_adjustment_never_takes_a_balance_below_zero(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("alice", balance="50")
    with pytest.raises(RuleViolation, match="below zero"):
        db.write_sync(service.adjust_balance, name="alice", amount=Decimal("-50.01"), note="too much")
    assert [kind for _, kind, _, _ in _ledger(db, "alice")] == ["topup"]
    # exactly to zero is allowed
    assert db.write_sync(service.adjust_balance, name="alice", amount=Decimal("-50"), note="all") == Decimal(0)


@pytest.mark.parametrize(
    ("amount", "note", "message"),
    [
        (Decimal("10"), "", "note"),
        (Decimal("10"), "   ", "note"),
        (Decimal("0"), "x", "zero"),
        (Decimal("-0.00"), "x", "zero"),
        (Decimal("0.001"), "x", "2 decimal places"),
    ],
)
def test_an_adjustment_needs_a_note_and_a_non_zero_amount_in_cents(
    db: Database, make_customer: Callable[..., str], amount: Decimal, note: str, message: str
) -> None:
    make_customer("alice", balance="50")
    with pytest.raises(RuleViolation, match=message):
        db.write_sync(service.adjust_balance, name="alice", amount=amount, note=note)
    assert len(_ledger(db, "alice")) == 1


def test_an_adjustment_of_an_unknown_customer_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        db.write_sync(service.adjust_balance, name="nobody", amount=Decimal("1"), note="x")


def test_the_overview_has_the_balance_the_newest_entries_first_and_orders_per_line(
    db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("alice", balance="100")
    db.write_sync(service.top_up, name="alice", amount=Decimal("5"), note="bank")
    db.write_sync(service.adjust_balance, name="alice", amount=Decimal("-1.50"), note="fix")

    def place_orders(conn: Conn) -> None:
        customer_id = service.customer_id_by_name(conn, name="alice")
        conn.execute("INSERT INTO otp_countries (id, name, code) VALUES (1, 'Testland', 'TL')")
        conn.execute("INSERT INTO otp_services (id, country_id, name, code, price_cents) VALUES (1, 1, 'Chat', 'c', 1)")
        for n, status in enumerate(("completed", "completed", "waiting")):
            conn.execute(
                "INSERT INTO otp_orders (request_id, customer_id, otp_service_id, country_id, charge_cents, status, "
                "created_at, updated_at) VALUES (?, ?, 1, 1, 100, ?, 0, 0)",
                (f"r{n}", customer_id, status),
            )

    db.write_sync(place_orders)
    view = db.read_sync(overview.customer_overview, name="alice", entries=2)
    assert view.customer.name == "alice" and view.customer.balance == Decimal("103.50")
    assert [(e.kind, e.amount, e.note) for e in view.entries] == [
        ("adjustment", Decimal("-1.50"), "fix"),
        ("topup", Decimal("5.00"), "bank"),
    ]
    assert view.orders == {"smm": {}, "otp": {"completed": 2, "waiting": 1}, "accounts": {}}
    assert db.read_sync(ledger.balance_cents, customer_id=view.customer.id) == 10350


def test_the_overview_of_an_unknown_customer_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        db.read_sync(overview.customer_overview, name="nobody")
