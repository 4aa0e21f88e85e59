"""Small helpers for the SMM tests."""

from __future__ import annotations

import time
from typing import Any

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database


class Clock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_due(db: Database) -> None:
    """Bring every scheduled check forward to now, instead of waiting for it."""
    db.write_sync(lambda c: c.execute("UPDATE smm_orders SET next_check_at = 0 WHERE next_check_at IS NOT NULL"))


def order_row(db: Database, order_id: int) -> dict[str, Any]:
    row = db.read_sync(lambda c: c.one("SELECT * FROM smm_orders WHERE id = ?", (order_id,)))
    assert row is not None
    return dict(row)


def ledger_rows(db: Database, order_id: int) -> list[tuple[str, int]]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT kind, amount_cents FROM ledger_entries WHERE order_kind = 'smm' AND order_id = ? ORDER BY id",
            (order_id,),
        )
    )
    return [(r["kind"], int(r["amount_cents"])) for r in rows]


def balance_of(db: Database, key: str) -> int:
    value = db.read_sync(
        lambda c: c.scalar("SELECT balance_cents FROM customers WHERE api_key_digest = ?", (key_digest(key),))
    )
    return int(value)
