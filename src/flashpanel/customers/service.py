"""Customers: creation, key rotation, top-ups and corrections, and authentication inside a unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flashpanel.customers.keys import KEY_PREFIX_LENGTH, key_digest, new_api_key
from flashpanel.customers.names import normalise_email, normalise_username
from flashpanel.db.runner import Conn, is_unique_violation, now
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
    customer_id = conn.scalar("SELECT id FROM customers WHERE api_key_digest = ? AND active", (key_digest,))
    if customer_id is None:
        raise InvalidApiKey()
    return int(customer_id)


def create_customer(
    conn: Conn,
    *,
    name: str,
    initial_balance: Decimal = Decimal(0),
    email: str | None = None,
    password_hash: str | None = None,
) -> str:
    """Create a customer and return their new API key (the only time it exists in clear).

    The one way a customer comes to exist: ``flashpanel users create`` and the web sign-up both call
    it. The name follows the username rule (stored lower case, unique ignoring case); ``email`` and
    ``password_hash`` are what the web sign-up adds."""
    name = normalise_username(name)
    email = normalise_email(email) if email is not None else None
    if initial_balance < 0:
        raise RuleViolation("Initial balance must not be negative")
    if to_cents(initial_balance) > MAX_AMOUNT_CENTS:
        raise RuleViolation(f"Initial balance must not exceed the largest amount, {format_cents(MAX_AMOUNT_CENTS)}")
    if conn.one("SELECT 1 FROM customers WHERE lower(name) = ?", (name,)) is not None:
        raise RuleViolation(f"Username {name!r} already exists")
    if email is not None and conn.one("SELECT 1 FROM customers WHERE email = ?", (email,)) is not None:
        raise RuleViolation("That email address belongs to another account")
    key = new_api_key()
    created = now()
    try:
        customer_id = conn.scalar(
            "INSERT INTO customers (name, api_key_digest, balance_cents, active, created_at, email, password_hash, "
            "api_key_prefix, api_key_created_at) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?) RETURNING id",
            (name, key_digest(key), True, created, email, password_hash, key[:KEY_PREFIX_LENGTH], created),
        )
    except Exception as exc:
        if is_unique_violation(exc):  # a concurrent sign-up took the name or email first (PostgreSQL)
            raise RuleViolation(f"Username {name!r} or that email address is already taken") from None
        raise
    if initial_balance > 0:
        ledger.move_money(
            conn,
            customer_id=int(customer_id),
            amount_cents=to_cents(initial_balance),
            kind="topup",
            note="initial balance",
        )
    return key


def customer_id_by_name(conn: Conn, *, name: str) -> int:
    """The id of the customer with this name, or :class:`NotFound`. Names are stored lower case, so the
    lower-case form is looked up too (on the unique index); the exact spelling wins for a name stored
    before the username rule existed."""
    typed = name.strip()
    customer_id = conn.scalar(
        "SELECT id FROM customers WHERE name IN (?, ?) ORDER BY name = ? DESC LIMIT 1", (typed, typed.lower(), typed)
    )
    if customer_id is None:
        raise NotFound(f"No customer named {name!r}")
    return int(customer_id)


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
    conn.execute(
        "UPDATE customers SET api_key_digest = ?, api_key_prefix = ?, api_key_created_at = ? WHERE id = ?",
        (key_digest(key), key[:KEY_PREFIX_LENGTH], now(), customer_id),
    )
    return key


def set_active(conn: Conn, *, name: str, active: bool) -> None:
    customer_id = customer_id_by_name(conn, name=name)
    conn.execute("UPDATE customers SET active = ? WHERE id = ?", (active, customer_id))


def list_customers(conn: Conn) -> list[Customer]:
    return [
        Customer(id=int(r["id"]), name=r["name"], balance=from_cents(int(r["balance_cents"])), active=bool(r["active"]))
        for r in conn.all("SELECT id, name, balance_cents, active FROM customers ORDER BY id")
    ]
