"""A customer's OTP orders as the web panel lists them (filtered by status, paged) and one of them by id.

Reads only: checking for the SMS and cancelling go through ``otp.service.check`` / ``cancel``, as the API's do."""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.bounds import ID, within
from flashpanel.db.runner import Conn, Row
from flashpanel.errors import NotFound
from flashpanel.otp.orders import _SELECT_ORDER

STATUSES = ("pending", "waiting", "completed", "cancelled", "expired", "failed")


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Row]
    total: int


def orders_page(conn: Conn, *, customer_id: int, status: str | None, page: int, per_page: int) -> OrderPage:
    """One page of the customer's orders, newest first; ``status`` one of ``STATUSES`` (others are ignored)."""
    where, args = "o.customer_id = ?", [customer_id]
    if status in STATUSES:
        where += " AND o.status = ?"
        args.append(status)  # type: ignore[arg-type]
    total = int(conn.scalar(f"SELECT COUNT(*) FROM otp_orders o WHERE {where}", args))
    offset = (page - 1) * per_page
    if offset >= total:
        return OrderPage([], total)
    rows = conn.all(f"{_SELECT_ORDER} WHERE {where} ORDER BY o.id DESC LIMIT ? OFFSET ?", [*args, per_page, offset])
    return OrderPage(rows, total)


def order_of_customer(conn: Conn, *, customer_id: int, order_id: int) -> Row:
    """The customer's order by id; someone else's is :class:`NotFound`, like a missing one."""
    row = (
        conn.one(f"{_SELECT_ORDER} WHERE o.id = ? AND o.customer_id = ?", (order_id, customer_id))
        if within(order_id, ID)
        else None
    )
    if row is None:
        raise NotFound("Order not found")
    return row
