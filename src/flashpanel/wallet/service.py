"""Wallet reads: the API's balance, the web panel's ledger pages."""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.db.runner import Conn
from flashpanel.errors import InvalidApiKey, NotFound


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
    amount_cents: int
    balance_after_cents: int
    kind: str
    order_kind: str | None
    order_id: int | None
    note: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class LedgerPage:
    """Entries newest first; ``older``/``newer`` are the cursors of the neighbouring pages (None at an end)."""

    entries: list[LedgerEntry]
    balance_cents: int
    older: int | None
    newer: int | None


_LEDGER_COLUMNS = "id, amount_cents, balance_after_cents, kind, order_kind, order_id, note, created_at"


def ledger_page(
    conn: Conn, *, customer_id: int, before: int | None = None, after: int | None = None, per_page: int = 20
) -> LedgerPage:
    """One page of the customer's ledger, newest first: the newest entries, those older than entry
    ``before``, or those just newer than entry ``after``. Pages are ranges on the (customer_id, id)
    index, so a page costs the same however long the ledger grows (SQLite reads run on the event loop)."""
    balance = conn.scalar("SELECT balance_cents FROM customers WHERE id = ?", (customer_id,))
    if balance is None:
        raise NotFound("Customer not found")
    if after is not None:
        rows = conn.all(
            f"SELECT {_LEDGER_COLUMNS} FROM ledger_entries WHERE customer_id = ? AND id > ? ORDER BY id LIMIT ?",
            (customer_id, after, per_page + 1),
        )
        has_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        has_older = True
    else:
        bound = " AND id < ?" if before is not None else ""
        params: tuple[int, ...] = (customer_id, before) if before is not None else (customer_id,)
        rows = conn.all(
            f"SELECT {_LEDGER_COLUMNS} FROM ledger_entries WHERE customer_id = ?{bound} ORDER BY id DESC LIMIT ?",
            (*params, per_page + 1),
        )
        has_older = len(rows) > per_page
        rows = rows[:per_page]
        has_newer = before is not None
    entries = [
        LedgerEntry(
            id=int(r["id"]),
            amount_cents=int(r["amount_cents"]),
            balance_after_cents=int(r["balance_after_cents"]),
            kind=r["kind"],
            order_kind=r["order_kind"],
            order_id=None if r["order_id"] is None else int(r["order_id"]),
            note=r["note"],
            created_at=float(r["created_at"]),
        )
        for r in rows
    ]
    return LedgerPage(
        entries=entries,
        balance_cents=int(balance),
        older=entries[-1].id if has_older and entries else None,
        newer=entries[0].id if has_newer and entries else None,
    )
