"""Forwarding customers' cancel requests for orders their provider already has.

``service.cancel`` only records the request (``cancel_requested_at``); the worker hands each one to the
provider once (``cancel_forwarded_at``). Whether the upstream actually cancels shows up later in status
sync, which moves the order and its money through the SMM state machine, so a refund still happens
exactly once and only for what the upstream really gave back.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.db.runner import Conn
from flashpanel.smm.lifecycle import TERMINAL

BATCH = 100


@dataclass(frozen=True, slots=True)
class CancelRequest:
    order_id: int
    provider_id: int | None
    upstream_order_id: str


def lease_requests(conn: Conn, *, at: float, limit: int = BATCH) -> list[CancelRequest]:
    """Claim up to ``limit`` unforwarded cancel requests of orders that have an upstream id and are
    still open; each is marked forwarded now (at most once: a lost answer is not re-sent)."""
    marks = ", ".join("?" * len(TERMINAL))
    rows = conn.all(
        "SELECT id, provider_id, upstream_order_id FROM smm_orders "
        "WHERE cancel_requested_at IS NOT NULL AND cancel_forwarded_at IS NULL AND upstream_order_id IS NOT NULL "
        f"AND status NOT IN ({marks}) ORDER BY cancel_requested_at, id LIMIT ?" + conn.for_update_skip_locked,
        (*sorted(TERMINAL), limit),
    )
    for row in rows:
        conn.execute("UPDATE smm_orders SET cancel_forwarded_at = ? WHERE id = ?", (at, row["id"]))
    return [
        CancelRequest(order_id=int(r["id"]), provider_id=r["provider_id"], upstream_order_id=r["upstream_order_id"])
        for r in rows
    ]


def record_refusals(conn: Conn, *, refusals: dict[int, str], at: float) -> None:
    """Note why the upstream refused (or could not be asked) on the orders concerned."""
    for order_id, message in refusals.items():
        conn.execute(
            "UPDATE smm_orders SET last_error = ?, updated_at = ? WHERE id = ?",
            (f"cancel request: {message}"[:1000], at, order_id),
        )
