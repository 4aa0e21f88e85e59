"""The ledger: the only code in flashpanel that changes a balance.

Every movement is one conditional balance update plus one ``ledger_entries`` row, executed on the
caller's connection so that it commits (or rolls back) with the rest of the caller's unit of work.
"""

from __future__ import annotations

from typing import Literal

from flashpanel.db.runner import Conn, now
from flashpanel.errors import InsufficientBalance, NotFound
from flashpanel.metrics import MONEY_CENTS, MONEY_MOVEMENTS

LedgerKind = Literal["topup", "charge", "refund", "adjustment"]
OrderKind = Literal["smm", "otp", "accounts"]


def move_money(
    conn: Conn,
    *,
    customer_id: int,
    amount_cents: int,
    kind: LedgerKind,
    order_kind: OrderKind | None = None,
    order_id: int | None = None,
    note: str | None = None,
    topup_id: int | None = None,
) -> int:
    """Add ``amount_cents`` (negative to debit) to the customer's balance and record it.

    Returns the balance after the movement, in cents. A debit the balance cannot cover raises
    :class:`InsufficientBalance` and changes nothing: the update is conditional on the balance, so
    concurrent debits can never take it below zero.
    """
    if amount_cents < 0:
        balance = conn.scalar(
            "UPDATE customers SET balance_cents = balance_cents + ? "
            "WHERE id = ? AND balance_cents >= ? RETURNING balance_cents",
            (amount_cents, customer_id, -amount_cents),
        )
        if balance is None:
            if conn.one("SELECT 1 FROM customers WHERE id = ?", (customer_id,)) is None:
                raise NotFound("Customer not found")
            raise InsufficientBalance()
    else:
        balance = conn.scalar(
            "UPDATE customers SET balance_cents = balance_cents + ? WHERE id = ? RETURNING balance_cents",
            (amount_cents, customer_id),
        )
        if balance is None:
            raise NotFound("Customer not found")
    balance_after = int(balance)
    conn.execute(
        "INSERT INTO ledger_entries "
        "(customer_id, amount_cents, balance_after_cents, kind, order_kind, order_id, note, created_at, topup_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (customer_id, amount_cents, balance_after, kind, order_kind, order_id, note, now(), topup_id),
    )
    # Counted before commit: a rolled-back unit over-counts by one, which monitoring can tolerate.
    MONEY_MOVEMENTS.labels(kind).inc()
    MONEY_CENTS.labels(kind).inc(abs(amount_cents))
    return balance_after


def charge(conn: Conn, *, customer_id: int, amount_cents: int, order_kind: OrderKind, order_id: int) -> int:
    """Debit an order's price. The database allows one charge per order."""
    if amount_cents < 0:
        raise ValueError("a charge cannot be negative")
    return move_money(
        conn,
        customer_id=customer_id,
        amount_cents=-amount_cents,
        kind="charge",
        order_kind=order_kind,
        order_id=order_id,
    )


def refund(
    conn: Conn, *, customer_id: int, amount_cents: int, order_kind: OrderKind, order_id: int, note: str | None = None
) -> int:
    """Credit back (part of) an order's charge. The database allows one refund per order, so a
    retried or racing refund fails instead of paying twice."""
    if amount_cents < 0:
        raise ValueError("a refund cannot be negative")
    return move_money(
        conn,
        customer_id=customer_id,
        amount_cents=amount_cents,
        kind="refund",
        order_kind=order_kind,
        order_id=order_id,
        note=note,
    )


def credit_topup(conn: Conn, *, customer_id: int, amount_cents: int, topup_id: int, note: str) -> int:
    """Credit a paid top-up (``payments.credit``). The database allows one ``topup`` entry per top-up
    (unique ``topup_id``), so a second credit of the same top-up fails instead of paying twice."""
    if amount_cents <= 0:
        raise ValueError("a top-up credit must be positive")
    return move_money(
        conn, customer_id=customer_id, amount_cents=amount_cents, kind="topup", topup_id=topup_id, note=note
    )


def balance_cents(conn: Conn, *, customer_id: int) -> int:
    value = conn.scalar("SELECT balance_cents FROM customers WHERE id = ?", (customer_id,))
    if value is None:
        raise NotFound("Customer not found")
    return int(value)


def ledger_sum_cents(conn: Conn, *, customer_id: int) -> int:
    return int(
        conn.scalar("SELECT COALESCE(SUM(amount_cents), 0) FROM ledger_entries WHERE customer_id = ?", (customer_id,))
    )
