"""Demo data: a neutral, fictional catalog and a demo customer, so a fresh install can try every line.

The demo catalog is bound to the built-in simulators, which sell only while ``FLASHPANEL_SIMULATORS`` is on
(``serve --demo`` turns it on). :func:`remove` takes it all away again before going live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import msgspec

from flashpanel.accounts import demo as accounts_demo
from flashpanel.crypto import SecretBox
from flashpanel.customers import service as customers
from flashpanel.db.runner import Conn
from flashpanel.db.typed import one_as
from flashpanel.otp import demo as otp_demo
from flashpanel.smm import demo as smm_demo
from flashpanel.wallet import ledger

DEMO_CUSTOMER = "demo"
DEMO_BALANCE = Decimal("15000.00")


def seed_catalog(conn: Conn, *, secrets: SecretBox) -> None:
    """Idempotent: running it twice adds nothing the second time."""
    smm_demo.seed(conn)
    otp_demo.seed(conn)
    accounts_demo.seed(conn, secrets=secrets)


def ensure_demo_customer(conn: Conn, *, key_file: Path) -> str:
    """Create the demo customer once; return its key, kept in ``key_file`` (0600) so that later
    runs can print it again. If the file was lost, the key is rotated and the file rewritten."""
    exists = conn.one("SELECT 1 FROM customers WHERE name = ?", (DEMO_CUSTOMER,)) is not None
    if exists and key_file.exists():
        return key_file.read_text().strip()
    if exists:
        key = customers.rotate_key(conn, name=DEMO_CUSTOMER)
    else:
        key = customers.create_customer(conn, name=DEMO_CUSTOMER, initial_balance=DEMO_BALANCE)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


@dataclass(frozen=True, slots=True)
class Removal:
    """What :func:`remove` did. Items an order refers to are disabled rather than deleted, so that
    every order keeps its history."""

    customer: str  # "deleted", "disabled" or "absent"
    smm_deleted: int
    smm_disabled: int
    otp_deleted: int
    otp_disabled: int
    accounts_deleted: int
    accounts_disabled: int


def _order_count(conn: Conn, customer_id: int) -> int:
    return sum(
        int(conn.scalar(f"SELECT COUNT(*) FROM {table} WHERE customer_id = ?", (customer_id,)))
        for table in ("smm_orders", "otp_orders", "account_orders")
    )


class _DemoCustomer(msgspec.Struct, frozen=True):
    id: int
    balance_cents: int


def remove_demo_customer(conn: Conn) -> str:
    """Delete the demo customer (with its ledger entries) when it never ordered. Otherwise disable it
    and take its remaining demo money back with one ``adjustment`` entry, so that its orders and its
    ledger stay whole and re-enabling it gives nothing to spend. Returns what was done."""
    demo = one_as(conn, _DemoCustomer, "SELECT id, balance_cents FROM customers WHERE name = ?", (DEMO_CUSTOMER,))
    if demo is None:
        return "absent"
    customer_id = demo.id
    if _order_count(conn, customer_id) == 0:
        conn.execute("DELETE FROM ledger_entries WHERE customer_id = ?", (customer_id,))
        conn.execute("DELETE FROM customers WHERE id = ?", (customer_id,))
        return "deleted"
    customers.set_active(conn, name=DEMO_CUSTOMER, active=False)
    if demo.balance_cents > 0:
        ledger.move_money(
            conn,
            customer_id=customer_id,
            amount_cents=-demo.balance_cents,
            kind="adjustment",
            note="demo removed: demo money taken back",
        )
    return "disabled"


def remove(conn: Conn) -> Removal:
    """Remove the demo customer and the demo catalog of every line, in one unit of work."""
    customer = remove_demo_customer(conn)
    smm = smm_demo.remove(conn)
    otp = otp_demo.remove(conn)
    accounts = accounts_demo.remove(conn)
    return Removal(customer, *smm, *otp, *accounts)
