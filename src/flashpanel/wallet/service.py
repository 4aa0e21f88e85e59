"""Wallet reads: the balance for the API, ledger entries for the operator."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flashpanel.db.runner import Conn
from flashpanel.errors import InvalidApiKey
from flashpanel.wallet.money import from_cents


def balance_for_key(conn: Conn, *, key_digest: str) -> int:
    """Authenticate and read the balance (cents) in one statement (``Database.lookup``): the
    busiest call of the API, polled by bots. The key check is ``customers.service.authenticate``'s."""
    value = conn.scalar("SELECT balance_cents FROM customers WHERE api_key_digest = ? AND active", (key_digest,))
    if value is None:
        raise InvalidApiKey()
    return int(value)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    created_at: float
    kind: str
    amount: Decimal  # signed: + credit, - debit
    balance_after: Decimal
    order_kind: str | None
    order_id: int | None
    note: str | None


def recent_entries(conn: Conn, *, customer_id: int, limit: int) -> list[LedgerEntry]:
    """The customer's newest ledger entries, newest first (a range on the (customer_id, id) index)."""
    rows = conn.all(
        "SELECT id, created_at, kind, amount_cents, balance_after_cents, order_kind, order_id, note "
        "FROM ledger_entries WHERE customer_id = ? ORDER BY id DESC LIMIT ?",
        (customer_id, limit),
    )
    return [
        LedgerEntry(
            id=int(r["id"]),
            created_at=float(r["created_at"]),
            kind=r["kind"],
            amount=from_cents(int(r["amount_cents"])),
            balance_after=from_cents(int(r["balance_after_cents"])),
            order_kind=r["order_kind"],
            order_id=None if r["order_id"] is None else int(r["order_id"]),
            note=r["note"],
        )
        for r in rows
    ]
