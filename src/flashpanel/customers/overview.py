"""What an operator sees of one customer: balance, newest ledger entries, orders per line."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from flashpanel.customers.service import Customer
from flashpanel.db.runner import Conn
from flashpanel.db.typed import all_as, one_as
from flashpanel.errors import NotFound
from flashpanel.wallet.money import from_cents
from flashpanel.wallet.service import LedgerEntry, recent_entries

# Each line of business and the table holding its orders (every one has customer_id and status).
ORDER_TABLES = {"smm": "smm_orders", "otp": "otp_orders", "accounts": "account_orders"}


@dataclass(frozen=True, slots=True)
class CustomerOverview:
    customer: Customer
    created_at: float
    entries: list[LedgerEntry]  # newest first
    orders: dict[str, dict[str, int]]  # line -> status -> number of orders


class _CustomerRow(msgspec.Struct, frozen=True):
    id: int
    name: str
    balance_cents: int
    active: bool
    created_at: float


class _StatusCount(msgspec.Struct, frozen=True):
    status: str
    n: int


def customer_overview(conn: Conn, *, name: str, entries: int = 10) -> CustomerOverview:
    """The customer named ``name`` (:class:`NotFound` otherwise) with their ``entries`` newest ledger
    entries and how many orders of each line they have in each status."""
    row = one_as(
        conn, _CustomerRow, "SELECT id, name, balance_cents, active, created_at FROM customers WHERE name = ?", (name,)
    )
    if row is None:
        raise NotFound(f"No customer named {name!r}")
    customer = Customer(id=row.id, name=row.name, balance=from_cents(row.balance_cents), active=row.active)
    orders = {
        line: {
            count.status: count.n
            for count in all_as(
                conn,
                _StatusCount,
                f"SELECT status, COUNT(*) AS n FROM {table} WHERE customer_id = ? GROUP BY status ORDER BY status",
                (customer.id,),
            )
        }
        for line, table in ORDER_TABLES.items()
    }
    return CustomerOverview(
        customer=customer,
        created_at=row.created_at,
        entries=recent_entries(conn, customer_id=customer.id, limit=entries),
        orders=orders,
    )
