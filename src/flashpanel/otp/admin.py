"""The operator's view of OTP orders: list them (those flagged for attention too), and mark a flagged
order handled once its number was released at the provider by hand."""

from __future__ import annotations

from typing import get_args

from flashpanel.db.runner import Conn, Row, now
from flashpanel.errors import RuleViolation
from flashpanel.otp.lifecycle import Status

STATUSES: tuple[str, ...] = get_args(Status)


def list_orders(
    conn: Conn, *, user: str | None = None, status: str | None = None, attention: bool = False, limit: int = 50
) -> list[Row]:
    """The newest orders, optionally of one customer, in one status and/or flagged for the operator."""
    if status is not None and status not in STATUSES:
        raise RuleViolation(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    where, params = [], []
    if user is not None:
        customer = conn.one("SELECT id FROM customers WHERE name = ?", (user,))
        if customer is None:
            raise RuleViolation(f"No customer named {user!r}")
        where.append("o.customer_id = ?")
        params.append(customer["id"])
    if status is not None:
        where.append("o.status = ?")
        params.append(status)
    if attention:
        where.append("o.attention_at IS NOT NULL")
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    return conn.all(
        "SELECT o.id, c.name AS customer, s.name AS service, co.code AS country, o.phone_number, o.charge_cents, "
        "o.status, o.provider_id, o.upstream_activation_id, o.last_error, o.attention, o.created_at "
        "FROM otp_orders o JOIN customers c ON c.id = o.customer_id JOIN otp_services s ON s.id = o.otp_service_id "
        f"JOIN otp_countries co ON co.id = o.country_id {clause}ORDER BY o.id DESC LIMIT ?",
        (*params, limit),
    )


def attention_count(conn: Conn) -> int:
    """How many orders are flagged for the operator (served by ix_otp_orders_attention_at)."""
    return int(conn.scalar("SELECT COUNT(*) FROM otp_orders WHERE attention_at IS NOT NULL"))


def resolve(conn: Conn, *, order_id: int) -> None:
    """Clear an order's attention flag (the operator released its number by hand). Its status, money and
    ``last_error`` stay as they are. Refused for an order that is not flagged."""
    row = conn.one(
        "UPDATE otp_orders SET attention = NULL, attention_at = NULL, updated_at = ? "
        "WHERE id = ? AND attention_at IS NOT NULL RETURNING id",
        (now(), order_id),
    )
    if row is None:
        raise RuleViolation(f"OTP order {order_id} is not flagged for attention")
