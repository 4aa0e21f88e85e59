"""What an operator sees of one customer: balance, newest ledger entries, orders per line."""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.customers.service import Customer
from flashpanel.db.runner import Conn
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


def customer_overview(conn: Conn, *, name: str, entries: int = 10) -> CustomerOverview:
    """The customer named ``name`` (:class:`NotFound` otherwise) with their ``entries`` newest ledger
    entries and how many orders of each line they have in each status."""
    row = conn.one("SELECT id, name, balance_cents, active, created_at FROM customers WHERE name = ?", (name,))
    if row is None:
        raise NotFound(f"No customer named {name!r}")
    customer = Customer(
        id=int(row["id"]), name=row["name"], balance=from_cents(int(row["balance_cents"])), active=bool(row["active"])
    )
    orders = {
        line: {
            r["status"]: int(r["n"])
            for r in conn.all(
                f"SELECT status, COUNT(*) AS n FROM {table} WHERE customer_id = ? GROUP BY status ORDER BY status",
                (customer.id,),
            )
        }
        for line, table in ORDER_TABLES.items()
    }
    return CustomerOverview(
        customer=customer,
        created_at=float(row["created_at"]),
        entries=recent_entries(conn, customer_id=customer.id, limit=entries),
        orders=orders,
    )
