"""Customers: creation, key rotation, top-ups and corrections, and authentication inside a unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flashpanel.customers.keys import key_digest, new_api_key
from flashpanel.db.runner import Conn, now
from flashpanel.errors import InsufficientBalance, InvalidApiKey, NotFound, RuleViolation
from flashpanel.wallet import ledger
from flashpanel.wallet.money import MAX_AMOUNT_CENTS, format_cents, from_cents, quantize, to_cents


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    balance: Decimal
    active: bool


def authenticate(conn: Conn, *, key_digest: str) -> int:
    """The id of the active customer owning this key digest, or :class:`InvalidApiKey`.

    Called as the first step of every authenticated unit of work, so that checking the key costs
    no extra round trip to the database."""
    row = conn.one("SELECT id FROM customers WHERE api_key_digest = ? AND active", (key_digest,))
    if row is None:
        raise InvalidApiKey()
    return int(row["id"])


def create_customer(conn: Conn, *, name: str, initial_balance: Decimal = Decimal(0)) -> str:
    """Create a customer and return their new API key (the only time it exists in clear)."""
    name = name.strip()
    if not name:
        raise RuleViolation("Customer name must not be empty")
    if initial_balance < 0:
        raise RuleViolation("Initial balance must not be negative")
    if to_cents(initial_balance) > MAX_AMOUNT_CENTS:
        raise RuleViolation(f"Initial balance must not exceed the largest amount, {format_cents(MAX_AMOUNT_CENTS)}")
    if conn.one("SELECT 1 FROM customers WHERE name = ?", (name,)) is not None:
        raise RuleViolation(f"Customer {name!r} already exists")
    key = new_api_key()
    row = conn.one(
        "INSERT INTO customers (name, api_key_digest, balance_cents, active, created_at) "
        "VALUES (?, ?, 0, ?, ?) RETURNING id",
        (name, key_digest(key), True, now()),
    )
    assert row is not None
    if initial_balance > 0:
        ledger.move_money(
            conn,
            customer_id=int(row["id"]),
            amount_cents=to_cents(initial_balance),
            kind="topup",
            note="initial balance",
        )
    return key


def customer_id_by_name(conn: Conn, *, name: str) -> int:
    row = conn.one("SELECT id FROM customers WHERE name = ?", (name,))
    if row is None:
        raise NotFound(f"No customer named {name!r}")
    return int(row["id"])


def top_up(conn: Conn, *, name: str, amount: Decimal, note: str | None = None) -> Decimal:
    """Credit a customer's wallet; returns the new balance."""
    if amount <= 0:
        raise RuleViolation("Top-up amount must be positive")
    customer_id = customer_id_by_name(conn, name=name)
    _refuse_a_balance_past_the_largest_amount(conn, customer_id=customer_id, credit_cents=to_cents(amount))
    return from_cents(
        ledger.move_money(conn, customer_id=customer_id, amount_cents=to_cents(amount), kind="topup", note=note)
    )


def adjust_balance(conn: Conn, *, name: str, amount: Decimal, note: str) -> Decimal:
    """An operator's correction: ``amount`` is signed (negative debits), recorded as one ``adjustment``
    ledger entry carrying ``note``, which is required. A debit the balance cannot cover is refused:
    an adjustment never takes a balance below zero. Returns the new balance."""
    note = note.strip()
    if not note:
        raise RuleViolation("An adjustment needs a note saying why")
    if amount == 0:
        raise RuleViolation("An adjustment must not be zero")
    if amount != quantize(amount):
        raise RuleViolation(f"An adjustment has at most 2 decimal places, got {amount}")
    customer_id = customer_id_by_name(conn, name=name)
    cents = to_cents(amount)
    if cents > 0:
        _refuse_a_balance_past_the_largest_amount(conn, customer_id=customer_id, credit_cents=cents)
    try:
        balance = ledger.move_money(conn, customer_id=customer_id, amount_cents=cents, kind="adjustment", note=note)
    except InsufficientBalance:
        current = ledger.balance_cents(conn, customer_id=customer_id)
        raise RuleViolation(
            f"{name}'s balance is {format_cents(current)}: a debit of {format_cents(-cents)} would take it below zero"
        ) from None
    return from_cents(balance)


def _refuse_a_balance_past_the_largest_amount(conn: Conn, *, customer_id: int, credit_cents: int) -> None:
    """Operator credits stop at the largest amount a person may type, so that a balance stays a number
    every backend stores exactly (SQLite turns an integer overflow into a float). Two credits racing on
    PostgreSQL may overshoot it by one credit: still about 90 times below a 64-bit integer's limit."""
    balance = ledger.balance_cents(conn, customer_id=customer_id)
    if balance + credit_cents > MAX_AMOUNT_CENTS:
        raise RuleViolation(
            f"A credit of {format_cents(credit_cents)} would take the balance ({format_cents(balance)}) "
            f"past the largest amount, {format_cents(MAX_AMOUNT_CENTS)}"
        )


def rotate_key(conn: Conn, *, name: str) -> str:
    """Give the customer a new key; the old one stops working when this commits."""
    customer_id = customer_id_by_name(conn, name=name)
    key = new_api_key()
    conn.execute("UPDATE customers SET api_key_digest = ? WHERE id = ?", (key_digest(key), customer_id))
    return key


def set_active(conn: Conn, *, name: str, active: bool) -> None:
    customer_id = customer_id_by_name(conn, name=name)
    conn.execute("UPDATE customers SET active = ? WHERE id = ?", (active, customer_id))


def list_customers(conn: Conn) -> list[Customer]:
    return [
        Customer(id=int(r["id"]), name=r["name"], balance=from_cents(int(r["balance_cents"])), active=bool(r["active"]))
        for r in conn.all("SELECT id, name, balance_cents, active FROM customers ORDER BY id")
    ]
