"""Wallet reads: the balance for the API, ledger entries for the operator and the web panel."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

from flashpanel.db.runner import Conn
from flashpanel.db.typed import all_as
from flashpanel.errors import InvalidApiKey, NotFound
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


_ENTRY_COLUMNS = "id, created_at, kind, amount_cents, balance_after_cents, order_kind, order_id, note"


class _EntryRow(msgspec.Struct, frozen=True):
    id: int
    created_at: float
    kind: str
    amount_cents: int
    balance_after_cents: int
    order_kind: str | None
    order_id: int | None
    note: str | None


def _entry(row: _EntryRow) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        created_at=row.created_at,
        kind=row.kind,
        amount=from_cents(row.amount_cents),
        balance_after=from_cents(row.balance_after_cents),
        order_kind=row.order_kind,
        order_id=row.order_id,
        note=row.note,
    )


def recent_entries(conn: Conn, *, customer_id: int, limit: int) -> list[LedgerEntry]:
    """The customer's newest ledger entries, newest first (a range on the (customer_id, id) index)."""
    rows = all_as(
        conn,
        _EntryRow,
        f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries WHERE customer_id = ? ORDER BY id DESC LIMIT ?",
        (customer_id, limit),
    )
    return [_entry(r) for r in rows]


@dataclass(frozen=True, slots=True)
class LedgerPage:
    """Entries newest first; ``older``/``newer`` are the cursors of the neighbouring pages (None at an end)."""

    entries: list[LedgerEntry]
    balance: Decimal
    older: int | None
    newer: int | None


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
        rows = all_as(
            conn,
            _EntryRow,
            f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries WHERE customer_id = ? AND id > ? ORDER BY id LIMIT ?",
            (customer_id, after, per_page + 1),
        )
        has_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        has_older = True
    else:
        bound = " AND id < ?" if before is not None else ""
        params: tuple[int, ...] = (customer_id, before) if before is not None else (customer_id,)
        rows = all_as(
            conn,
            _EntryRow,
            f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries WHERE customer_id = ?{bound} ORDER BY id DESC LIMIT ?",
            (*params, per_page + 1),
        )
        has_older = len(rows) > per_page
        rows = rows[:per_page]
        has_newer = before is not None
    entries = [_entry(r) for r in rows]
    return LedgerPage(
        entries=entries,
        balance=from_cents(int(balance)),
        older=entries[-1].id if has_older and entries else None,
        newer=entries[0].id if has_newer and entries else None,
    )
