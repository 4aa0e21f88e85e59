"""The operator's hand on SMM orders: list them (those flagged for attention too), cancel one, or set its
status (refunds included)."""

from __future__ import annotations

import msgspec

from flashpanel.db.runner import Conn, Row, now
from flashpanel.db.typed import one_as
from flashpanel.errors import RuleViolation
from flashpanel.providers.base import SmmStatus
from flashpanel.smm.fulfilment import STALE_SUBMISSION_SECONDS
from flashpanel.smm.lifecycle import STATUSES, Applied, apply_transition


def list_orders(
    conn: Conn, *, user: str | None = None, status: str | None = None, attention: bool = False, limit: int = 50
) -> list[Row]:
    """The newest orders, optionally of one customer, in one status and/or flagged for the operator."""
    if status is not None and status not in STATUSES:
        raise RuleViolation(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    where, params = [], []
    if user is not None:
        customer_id = conn.scalar("SELECT id FROM customers WHERE name = ?", (user,))
        if customer_id is None:
            raise RuleViolation(f"No customer named {user!r}")
        where.append("o.customer_id = ?")
        params.append(customer_id)
    if status is not None:
        where.append("o.status = ?")
        params.append(status)
    if attention:
        where.append("o.attention_at IS NOT NULL")
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    return conn.all(
        "SELECT o.id, c.name AS customer, s.name AS service, o.quantity, o.charge_cents, o.refunded_cents, "
        "o.status, o.remains, o.upstream_order_id, o.last_error, o.attention, o.created_at "
        "FROM smm_orders o JOIN customers c ON c.id = o.customer_id JOIN smm_services s ON s.id = o.service_id "
        f"{clause}ORDER BY o.id DESC LIMIT ?",
        (*params, limit),
    )


def attention_count(conn: Conn) -> int:
    """How many orders are flagged for the operator (served by ix_smm_orders_attention_at)."""
    return int(conn.scalar("SELECT COUNT(*) FROM smm_orders WHERE attention_at IS NOT NULL"))


class _Claimable(msgspec.Struct, frozen=True):
    status: SmmStatus
    submitting_at: float | None


def _order(conn: Conn, order_id: int) -> _Claimable:
    order = one_as(conn, _Claimable, "SELECT status, submitting_at FROM smm_orders WHERE id = ?", (order_id,))
    if order is None:
        raise RuleViolation(f"No SMM order {order_id}")
    return order


def set_status(conn: Conn, *, order_id: int, status: str, remains: int | None = None) -> Applied:
    """Move an order to ``status`` through the lifecycle (refunding as it says). ``partial`` needs
    ``remains``. Refused while the order is being handed to its provider, so a cancelled order is never
    submitted afterwards."""
    if status not in STATUSES:
        raise RuleViolation(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    if status == "partial" and remains is None:
        raise RuleViolation("a partial order needs --remains")
    if remains is not None and remains < 0:
        raise RuleViolation("remains must not be negative")
    current = _order(conn, order_id)
    claimed_at = current.submitting_at
    if current.status == "pending" and claimed_at is not None and now() - claimed_at < STALE_SUBMISSION_SECONDS:
        raise RuleViolation(f"order {order_id} is being submitted to its provider right now; try again shortly")
    applied = apply_transition(
        conn,
        order_id=order_id,
        expected=current.status,
        target=status,
        remains=remains,
        note=f"set to {status} by the operator",
    )
    if applied is None:  # unreachable in practice: the row was read in this same unit of work
        raise RuleViolation(f"order {order_id} changed meanwhile; try again")
    return applied


def cancel_order(conn: Conn, *, order_id: int) -> Applied:
    """Cancel an order that has not finished and refund its whole charge."""
    return set_status(conn, order_id=order_id, status="cancelled")
