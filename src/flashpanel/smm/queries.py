"""The SMM domain's reads, as typed rows: the catalog on sale and the orders a customer asks about.

Each function runs one statement on the caller's connection (units of work live in the rule modules) and
turns each row into a NamedTuple once, here; nothing else in ``smm/`` reads a row by column name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from flashpanel.db.runner import Conn, Row
from flashpanel.providers.sale import takes_orders

# The services on sale: active, with a provider that takes new orders (``providers.sale``). Binds one
# parameter, the simulators setting.
ON_SALE_SQL = f"FROM smm_services s JOIN providers p ON p.id = s.provider_id WHERE s.active AND {takes_orders('p')}"


class ServiceOnSale(NamedTuple):
    """What placing an order needs to know about its service."""

    id: int
    name: str
    rate_cents: int
    min_quantity: int
    max_quantity: int
    provider_id: int | None
    dripfeed: bool


def service_on_sale(conn: Conn, *, service_id: int, simulators: bool) -> ServiceOnSale | None:
    """The service if it is on sale (see ``ON_SALE_SQL``), else None."""
    row = conn.one(
        "SELECT s.id, s.name, s.rate_cents, s.min_quantity, s.max_quantity, s.provider_id, s.dripfeed "
        f"{ON_SALE_SQL} AND s.id = ?",
        (simulators, service_id),
    )
    if row is None:
        return None
    return ServiceOnSale(
        id=int(row["id"]),
        name=row["name"],
        rate_cents=int(row["rate_cents"]),
        min_quantity=int(row["min_quantity"]),
        max_quantity=int(row["max_quantity"]),
        provider_id=row["provider_id"],
        dripfeed=bool(row["dripfeed"]),
    )


class ServiceOffer(NamedTuple):
    """A service on sale with the options the SMM API v2 lists (refill, cancel, drip-feed)."""

    id: int
    name: str
    type: str
    category: str
    rate_cents: int
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    dripfeed: bool


def service_offers(conn: Conn, *, simulators: bool) -> list[ServiceOffer]:
    """The services on sale with their options, ordered by category then id."""
    rows = conn.all(
        "SELECT s.id, s.name, s.type, s.category, s.rate_cents, s.min_quantity, s.max_quantity, s.refill, "
        f"s.cancel, s.dripfeed {ON_SALE_SQL} ORDER BY s.category, s.id",
        (simulators,),
    )
    return [
        ServiceOffer(
            id=int(r["id"]),
            name=r["name"],
            type=r["type"],
            category=r["category"],
            rate_cents=int(r["rate_cents"]),
            min_quantity=int(r["min_quantity"]),
            max_quantity=int(r["max_quantity"]),
            refill=bool(r["refill"]),
            cancel=bool(r["cancel"]),
            dripfeed=bool(r["dripfeed"]),
        )
        for r in rows
    ]


class OrderCharge(NamedTuple):
    """An order's status and money, as the SMM API v2 ``status`` action reports it."""

    id: int
    status: str
    charge_cents: int
    refunded_cents: int
    start_count: int | None
    remains: int


def order_charges(conn: Conn, *, customer_id: int, order_ids: Sequence[int]) -> dict[int, OrderCharge]:
    """The customer's own orders among ``order_ids`` (someone else's are simply absent), by id."""
    if not order_ids:
        return {}
    marks = ", ".join("?" * len(order_ids))
    rows = conn.all(
        f"SELECT id, status, charge_cents, refunded_cents, start_count, remains FROM smm_orders "
        f"WHERE customer_id = ? AND id IN ({marks})",
        (customer_id, *order_ids),
    )
    return {int(r["id"]): _order_charge(r) for r in rows}


def _order_charge(row: Row) -> OrderCharge:
    return OrderCharge(
        id=int(row["id"]),
        status=row["status"],
        charge_cents=int(row["charge_cents"]),
        refunded_cents=int(row["refunded_cents"]),
        start_count=None if row["start_count"] is None else int(row["start_count"]),
        remains=int(row["remains"]),
    )


class CatalogEntry(NamedTuple):
    """A service on sale as ``/api/v1`` lists it."""

    id: int
    name: str
    category: str
    type: str
    rate_cents: int
    min_quantity: int
    max_quantity: int
    description: str | None


def catalog(conn: Conn, *, simulators: bool) -> list[CatalogEntry]:
    """The services on sale, ordered by category then id."""
    rows = conn.all(
        "SELECT s.id, s.name, s.category, s.type, s.rate_cents, s.min_quantity, s.max_quantity, s.description "
        f"{ON_SALE_SQL} ORDER BY s.category, s.id",
        (simulators,),
    )
    return [
        CatalogEntry(
            id=int(r["id"]),
            name=r["name"],
            category=r["category"],
            type=r["type"],
            rate_cents=int(r["rate_cents"]),
            min_quantity=int(r["min_quantity"]),
            max_quantity=int(r["max_quantity"]),
            description=r["description"],
        )
        for r in rows
    ]


class OrderRow(NamedTuple):
    """An order as the customer follows it (status and history)."""

    id: int
    service_name: str
    link: str
    quantity: int
    charge_cents: int
    status: str
    start_count: int | None
    remains: int
    created_at: float


_ORDER_COLUMNS = (
    "o.id, s.name AS service_name, o.link, o.quantity, o.charge_cents, o.status, o.start_count, o.remains, o.created_at"
)
HISTORY_COUNT_SQL = "SELECT smm_orders_count FROM customers WHERE id = ?"
HISTORY_PAGE_SQL = (
    f"SELECT {_ORDER_COLUMNS} FROM smm_orders o JOIN smm_services s ON s.id = o.service_id "
    "WHERE o.customer_id = ? AND o.customer_seq <= ? ORDER BY o.customer_seq DESC LIMIT ?"
)


def _order_row(row: Row) -> OrderRow:
    # Positional: a history page builds one per order, and keywords cost half as much again per row.
    start_count = row["start_count"]
    return OrderRow(
        int(row["id"]),
        row["service_name"],
        row["link"],
        int(row["quantity"]),
        int(row["charge_cents"]),
        row["status"],
        None if start_count is None else int(start_count),
        int(row["remains"]),
        float(row["created_at"]),
    )


def order_of_customer(conn: Conn, *, customer_id: int, order_id: int) -> OrderRow | None:
    """The customer's own order, or None (unknown and someone else's alike)."""
    row = conn.one(
        f"SELECT {_ORDER_COLUMNS} FROM smm_orders o JOIN smm_services s ON s.id = o.service_id "
        "WHERE o.id = ? AND o.customer_id = ?",
        (order_id, customer_id),
    )
    return None if row is None else _order_row(row)


def order_count(conn: Conn, *, customer_id: int) -> int:
    """How many orders the customer ever placed (their order counter, one indexed row)."""
    return int(conn.scalar(HISTORY_COUNT_SQL, (customer_id,)))


def history_page(conn: Conn, *, customer_id: int, last_seq: int, limit: int) -> list[OrderRow]:
    """Up to ``limit`` of the customer's orders, newest first, from sequence number ``last_seq`` down."""
    return [_order_row(r) for r in conn.all(HISTORY_PAGE_SQL, (customer_id, last_seq, limit))]
