"""A customer's SMM orders as the web panel lists them: filtered by status, searched by link, paged;
and one order with what its customer may still do with it (cancel, refill, per the service's flags).

Reads only; cancel and refill go through the same units of work as the API (``smm.cancel.cancel_orders``,
``smm.refill.request_refills``)."""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.bounds import ID, within
from flashpanel.db.like import contains
from flashpanel.db.runner import Conn, Row
from flashpanel.errors import NotFound
from flashpanel.smm.lifecycle import STATUSES, TERMINAL


@dataclass(frozen=True, slots=True)
class OrderLine:
    id: int
    service_id: int
    service: str
    link: str
    quantity: int
    charge_cents: int
    refunded_cents: int
    status: str
    start_count: int | None
    remains: int
    created_at: float
    completed_at: float | None
    runs: int | None
    interval_minutes: int | None
    service_cancel: bool
    service_refill: bool
    cancel_requested: bool

    @property
    def can_cancel(self) -> bool:
        """Worth offering a Cancel button: open, and either not yet sent anywhere (cancelled at once) or the
        service lets the provider cancel. The rule itself is ``smm.cancel.cancel_order``'s."""
        if self.status in TERMINAL or self.cancel_requested:
            return False
        return self.status == "pending" or self.service_cancel

    @property
    def can_refill(self) -> bool:
        return self.service_refill and self.status == "completed"


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[OrderLine]
    total: int


_COLUMNS = (
    "o.id, o.service_id, s.name AS service_name, o.link, o.quantity, o.charge_cents, o.refunded_cents, o.status, "
    "o.start_count, o.remains, o.created_at, o.completed_at, o.runs, o.interval_minutes, s.cancel, s.refill, "
    "o.cancel_requested_at FROM smm_orders o JOIN smm_services s ON s.id = o.service_id"
)


def _line(r: Row) -> OrderLine:
    return OrderLine(
        id=int(r["id"]),
        service_id=int(r["service_id"]),
        service=r["service_name"],
        link=r["link"],
        quantity=int(r["quantity"]),
        charge_cents=int(r["charge_cents"]),
        refunded_cents=int(r["refunded_cents"]),
        status=r["status"],
        start_count=None if r["start_count"] is None else int(r["start_count"]),
        remains=int(r["remains"]),
        created_at=float(r["created_at"]),
        completed_at=None if r["completed_at"] is None else float(r["completed_at"]),
        runs=None if r["runs"] is None else int(r["runs"]),
        interval_minutes=None if r["interval_minutes"] is None else int(r["interval_minutes"]),
        service_cancel=bool(r["cancel"]),
        service_refill=bool(r["refill"]),
        cancel_requested=r["cancel_requested_at"] is not None,
    )


def orders_page(
    conn: Conn, *, customer_id: int, status: str | None, link: str | None, page: int, per_page: int
) -> OrderPage:
    """One page of the customer's orders, newest first. ``status``: one of ``lifecycle.STATUSES`` (others are
    ignored); ``link``: orders whose link contains it, ignoring case."""
    where = ["o.customer_id = ?"]
    args: list[object] = [customer_id]
    if status in STATUSES:
        where.append("o.status = ?")
        args.append(status)
    if link:
        where.append("lower(o.link) LIKE ? ESCAPE '\\'")
        args.append(contains(link))
    condition = " AND ".join(where)
    total = int(conn.scalar(f"SELECT COUNT(*) FROM smm_orders o WHERE {condition}", args))
    offset = (page - 1) * per_page
    if offset >= total:
        return OrderPage([], total)
    rows = conn.all(
        f"SELECT {_COLUMNS} WHERE {condition} ORDER BY o.id DESC LIMIT ? OFFSET ?", [*args, per_page, offset]
    )
    return OrderPage([_line(r) for r in rows], total)


def order_of_customer(conn: Conn, *, customer_id: int, order_id: int) -> OrderLine:
    """The customer's order; someone else's is :class:`NotFound`, like a missing one."""
    row = (
        conn.one(f"SELECT {_COLUMNS} WHERE o.id = ? AND o.customer_id = ?", (order_id, customer_id))
        if within(order_id, ID)
        else None
    )
    if row is None:
        raise NotFound("Order not found")
    return _line(row)
