"""Every status change of an SMM or OTP order, as the operator sees it on the order's page.

The rows are written by the database itself: migration 0014 puts an ``AFTER UPDATE OF status`` trigger on
``smm_orders`` and ``otp_orders`` that inserts one row whenever the status really changes, in the same
transaction as the change (D71). So no code path can move an order without leaving its trace, and the
hot paths (an OTP purchase moving ``pending → waiting`` inside the API request) keep their one round trip.
The first status is not a row: it is the order's own ``created_at`` (see :func:`status_history`), so
placing an order stays one INSERT. Accounts orders are created ``completed`` and never change: no trigger.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec
from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table

from flashpanel.db.metadata import metadata
from flashpanel.db.runner import Conn
from flashpanel.db.typed import all_as

Line = Literal["smm", "otp", "accounts"]

# The order tables whose status changes, and the line each trigger writes.
TRACKED: Final[dict[str, str]] = {"smm": "smm_orders", "otp": "otp_orders"}

order_status_changes = Table(
    "order_status_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("line", String(16), nullable=False),  # smm | otp (accounts orders never change status)
    # No foreign key: the order lives in the line's own table.
    Column("order_id", BigInteger, nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    # The order's updated_at as the change set it (the database's clock if a change left it as it was).
    Column("at", Float, nullable=False),
    Index("ix_order_status_changes_line_order_id", "line", "order_id"),
)


class StatusChange(msgspec.Struct, frozen=True):
    """One step of an order's life: ``from_status`` is None for its creation."""

    from_status: str | None
    to_status: str
    at: float


def status_history(conn: Conn, *, line: Line, order_id: int, status: str, created_at: float) -> list[StatusChange]:
    """The order's creation, then each status change, oldest first. ``status`` and ``created_at`` are the
    order row's; the status it was created in is the first change's ``from_status`` (or, for an order that
    never changed, its status now)."""
    changes = all_as(
        conn,
        StatusChange,
        "SELECT from_status, to_status, at FROM order_status_changes WHERE line = ? AND order_id = ? ORDER BY id",
        (line, order_id),
    )
    first = changes[0].from_status if changes else status
    assert first is not None  # the column is NOT NULL
    return [StatusChange(from_status=None, to_status=first, at=created_at), *changes]
