"""Small helpers for the v2 tests: call an action, read money and order rows, make orders due."""

from __future__ import annotations

from typing import Any

import httpx

from flashpanel.db.runner import Conn, Database


async def call(client: httpx.AsyncClient, key: str, action: str, **params: Any) -> Any:
    """POST a form, the way the protocol's clients do; asserts the protocol's 200 and returns the JSON."""
    response = await client.post("/api/v2", data={"key": key, "action": action, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def _balance(conn: Conn, *, key_digest: str) -> int:
    return int(conn.scalar("SELECT balance_cents FROM customers WHERE api_key_digest = ?", (key_digest,)))


def balance_cents(db: Database, key: str) -> int:
    from flashpanel.customers.keys import key_digest

    return db.read_sync(_balance, key_digest=key_digest(key))


def _order(conn: Conn, *, order_id: int) -> dict[str, Any]:
    row = conn.one("SELECT * FROM smm_orders WHERE id = ?", (order_id,))
    assert row is not None
    return dict(row)


def order_row(db: Database, order_id: int) -> dict[str, Any]:
    return db.read_sync(_order, order_id=order_id)


def _refunds(conn: Conn, *, order_id: int) -> list[int]:
    rows = conn.all(
        "SELECT amount_cents FROM ledger_entries WHERE order_kind = 'smm' AND order_id = ? AND kind = 'refund'",
        (order_id,),
    )
    return [int(r["amount_cents"]) for r in rows]


def refunds(db: Database, order_id: int) -> list[int]:
    return db.read_sync(_refunds, order_id=order_id)


def _make_due(conn: Conn) -> None:
    conn.execute("UPDATE smm_orders SET next_check_at = 0 WHERE next_check_at IS NOT NULL")
    conn.execute("UPDATE smm_refills SET next_check_at = 0 WHERE next_check_at IS NOT NULL")


def make_due(db: Database) -> None:
    """Bring every scheduled look forward to now (instead of waiting for the poll interval)."""
    db.write_sync(_make_due)
