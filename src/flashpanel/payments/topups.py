"""Top-up rows: their states, the fee rule, our references, and the SQL that reads and creates them.

States: ``pending`` (sent to a gateway, not yet confirmed) → ``credited`` | ``failed`` | ``expired`` |
``mismatch``; a bank transfer starts ``awaiting_approval`` → ``credited`` | ``rejected``. Only
``credit.py`` and ``manual.py`` move a top-up to ``credited``, always together with its ledger entry.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Literal, get_args

import msgspec

from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Row, now
from flashpanel.db.typed import all_as, as_struct, one_as
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.wallet.money import format_cents, quantize, to_cents

Status = Literal["pending", "credited", "failed", "expired", "mismatch", "awaiting_approval", "rejected"]
STATUSES: tuple[str, ...] = get_args(Status)
GatewayName = Literal["paystack", "flutterwave"]
GATEWAYS: tuple[str, ...] = get_args(GatewayName)
BANK = "bank"
# A gateway may still report success for these: a payment completed after its top-up expired (or after
# an earlier attempt on the same checkout failed) is still the customer's money, so it is credited.
CREDITABLE: tuple[str, ...] = ("pending", "expired", "failed")


class Topup(msgspec.Struct, frozen=True):
    """A ``topups`` row as read with :data:`COLUMNS`."""

    id: int
    customer_id: int
    gateway: str
    reference: str
    status: str
    amount_cents: int
    gross_cents: int
    currency: str
    gateway_transaction_id: str | None
    gateway_status: str | None
    note: str | None
    created_at: float
    checked_at: float | None
    credited_at: float | None

    @property
    def amount(self) -> str:
        return format_cents(self.amount_cents)

    @property
    def gross(self) -> str:
        return format_cents(self.gross_cents)


COLUMNS = (
    "id, customer_id, gateway, reference, status, amount_cents, gross_cents, currency, gateway_transaction_id, "
    "gateway_status, note, created_at, checked_at, credited_at"
)


class _CustomerName(msgspec.Struct, frozen=True):
    customer_name: str


def as_topup(row: Row) -> Topup:
    """A row read with :data:`COLUMNS` (and perhaps more, ignored) as a :class:`Topup`."""
    return as_struct(row, Topup)


def new_reference() -> str:
    """Our reference: ``FP-`` and 20 hex digits, within every gateway's charset (letters, digits, ``-``)."""
    return "FP-" + secrets.token_hex(10).upper()


def fee_cents(settings: Settings, amount_cents: int) -> int:
    """What the customer pays on top of ``amount_cents`` (``FLASHPANEL_TOPUP_FEE_PERCENT`` and
    ``_FLAT``, default 0), rounded half-up to the kobo."""
    fee = Decimal(amount_cents) / 100 * settings.topup_fee_percent / 100 + settings.topup_fee_flat
    return to_cents(quantize(fee))


def check_amount(settings: Settings, amount: Decimal) -> int:
    """The amount a customer asked to add, in cents, within ``FLASHPANEL_TOPUP_MIN``..``MAX``."""
    if amount < settings.topup_min or amount > settings.topup_max:
        raise RuleViolation(
            f"The amount must be between {quantize(settings.topup_min)} and {quantize(settings.topup_max)}"
        )
    return to_cents(amount)


def create_topup(
    conn: Conn,
    *,
    customer_id: int,
    gateway: str,
    amount_cents: int,
    gross_cents: int,
    currency: str,
    status: Status = "pending",
    note: str | None = None,
) -> Topup:
    """Insert a top-up with a fresh reference of ours, before the customer leaves for the gateway."""
    at = now()
    topup = one_as(
        conn,
        Topup,
        "INSERT INTO topups (customer_id, gateway, reference, status, amount_cents, gross_cents, currency, note, "
        f"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}",
        (customer_id, gateway, new_reference(), status, amount_cents, gross_cents, currency, note, at, at),
    )
    assert topup is not None
    return topup


def find_topup(conn: Conn, *, reference: str, gateway: str | None = None) -> Topup | None:
    """The top-up with our ``reference`` (on ``gateway`` when given), or None."""
    if gateway is None:
        return one_as(conn, Topup, f"SELECT {COLUMNS} FROM topups WHERE reference = ?", (reference,))
    return one_as(
        conn, Topup, f"SELECT {COLUMNS} FROM topups WHERE gateway = ? AND reference = ?", (gateway, reference)
    )


def get_topup(conn: Conn, *, reference: str) -> Topup:
    topup = find_topup(conn, reference=reference)
    if topup is None:
        raise NotFound(f"No top-up with reference {reference!r}")
    return topup


def list_topups(
    conn: Conn, *, status: str | None = None, customer_id: int | None = None, limit: int = 100
) -> list[Topup]:
    """Newest first, optionally of one status and/or one customer."""
    where: list[str] = []
    params: list[object] = []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if customer_id is not None:
        where.append("customer_id = ?")
        params.append(customer_id)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return all_as(conn, Topup, f"SELECT {COLUMNS} FROM topups{clause} ORDER BY id DESC LIMIT ?", (*params, limit))


def set_status(
    conn: Conn,
    *,
    topup_id: int,
    from_statuses: tuple[str, ...],
    to: Status,
    note: str | None = None,
    gateway_status: str | None = None,
) -> bool:
    """Move a top-up from one of ``from_statuses`` to ``to`` (never to ``credited``: see ``credit.py``).
    Conditional on the current status, so a racing change wins once; False when the top-up had moved on."""
    assert to != "credited", "crediting goes through payments.credit, with its ledger entry"
    marks = ", ".join("?" for _ in from_statuses)
    row = conn.one(
        f"UPDATE topups SET status = ?, note = COALESCE(?, note), gateway_status = COALESCE(?, gateway_status), "
        f"updated_at = ? WHERE id = ? AND status IN ({marks}) RETURNING id",
        (to, note, gateway_status, now(), topup_id, *from_statuses),
    )
    return row is not None


def list_for_operator(conn: Conn, *, status: str | None = None, limit: int = 100) -> list[tuple[Topup, str]]:
    """Newest first, each with its customer's name (``flashpanel payments list``, the back office)."""
    columns = ", ".join(f"t.{name.strip()}" for name in COLUMNS.split(","))
    clause = " WHERE t.status = ?" if status is not None else ""
    params: tuple[object, ...] = (status,) if status is not None else ()
    rows = conn.all(
        f"SELECT {columns}, c.name AS customer_name FROM topups t JOIN customers c ON c.id = t.customer_id"
        f"{clause} ORDER BY t.id DESC LIMIT ?",
        (*params, limit),
    )
    return [(as_topup(r), as_struct(r, _CustomerName).customer_name) for r in rows]
