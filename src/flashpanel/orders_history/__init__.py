"""Every status change of an SMM or OTP order, as the operator sees it on the order's page.

The rows are written by the database itself: migration 0014 puts an ``AFTER UPDATE OF status`` trigger on
``smm_orders`` and ``otp_orders`` that inserts one row whenever the status really changes, in the same
transaction as the change (D71). So no code path can move an order without leaving its trace, and the
hot paths (an OTP purchase moving ``pending → waiting`` inside the API request) keep their one round trip.
The first status is not a row: it is the order's own ``created_at`` (see :func:`status_history`), so
placing an order stays one INSERT. Accounts orders are created ``completed`` and never change: no trigger.
The table is declared in ``orders_history/tables.py``, imported by Alembic and ``db/tables.py`` only, so a
serving process does not load SQLAlchemy for it.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from flashpanel.db.runner import Conn
from flashpanel.db.typed import all_as

Line = Literal["smm", "otp", "accounts"]


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
