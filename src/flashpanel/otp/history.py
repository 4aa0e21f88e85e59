"""A customer's OTP orders as the web panel lists them (filtered by status, paged) and one of them by id.

Reads only: checking for the SMS and cancelling go through ``otp.service.check`` / ``cancel``, as the API's do."""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.bounds import ID, within
from flashpanel.db.runner import Conn, Row
from flashpanel.errors import NotFound

STATUSES = ("pending", "waiting", "completed", "cancelled", "expired", "failed")

# The columns ``otp.orders`` reads for the API's history, plus the deadline the countdown needs.
_SELECT_ORDER = (
    "SELECT o.id, o.request_id, o.customer_id, o.phone_number, o.charge_cents, o.status, o.sms_code, "
    "o.expires_at, o.created_at, s.name AS service_name, c.name AS country_name "
    "FROM otp_orders o JOIN otp_services s ON s.id = o.otp_service_id JOIN otp_countries c ON c.id = o.country_id"
)


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Row]
    total: int


def orders_page(conn: Conn, *, customer_id: int, status: str | None, page: int, per_page: int) -> OrderPage:
    """One page of the customer's orders, newest first; ``status`` one of ``STATUSES`` (others are ignored)."""
    where = "o.customer_id = ?"
    args: list[object] = [customer_id]
    if status in STATUSES:
        where += " AND o.status = ?"
        args.append(status)
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
