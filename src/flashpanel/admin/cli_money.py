"""Money moved from the CLI (``flashpanel users topup|adjust``) is audited like the back office's, as
``cli:<system user>``, in the same unit of work as the ledger entry."""

from __future__ import annotations

from decimal import Decimal

from flashpanel.admin.audit import Actor, record
from flashpanel.customers import service
from flashpanel.db.runner import Conn
from flashpanel.wallet import ledger
from flashpanel.wallet.money import format_cents


def _balance(conn: Conn, name: str) -> tuple[int, str]:
    customer_id = service.customer_id_by_name(conn, name=name)
    return customer_id, format_cents(ledger.balance_cents(conn, customer_id=customer_id))


def top_up(conn: Conn, *, actor: Actor, name: str, amount: Decimal, note: str | None = None) -> Decimal:
    """``customers.service.top_up`` plus its audit row."""
    customer_id, before = _balance(conn, name)
    balance = service.top_up(conn, name=name, amount=amount, note=note)
    record(
        conn,
        actor=actor,
        action="wallet.topup",
        object_kind="customer",
        object_id=customer_id,
        before={"balance": before},
        after={"balance": str(balance), "amount": str(amount)},
        note=note,
    )
    return balance


def adjust(conn: Conn, *, actor: Actor, name: str, amount: Decimal, note: str) -> Decimal:
    """``customers.service.adjust_balance`` plus its audit row."""
    customer_id, before = _balance(conn, name)
    balance = service.adjust_balance(conn, name=name, amount=amount, note=note)
    record(
        conn,
        actor=actor,
        action="wallet.adjust",
        object_kind="customer",
        object_id=customer_id,
        before={"balance": before},
        after={"balance": str(balance), "amount": str(amount)},
        note=note,
    )
    return balance
