"""How long a service takes to complete an order: what customers see before they order.

The mean of ``completed_at - created_at`` over the service's last ``SAMPLE`` completed orders, once at
least ``MINIMUM`` exist (fewer say too little to show). Read from ix_smm_orders_service_id_completed_at,
so it costs the same however many orders the service has.
"""

from __future__ import annotations

from typing import Final

from flashpanel.db.runner import Conn

SAMPLE: Final = 10
MINIMUM: Final = 3


def average_completion_seconds(conn: Conn, *, service_id: int) -> float | None:
    """The mean completion time in seconds, or None while fewer than ``MINIMUM`` orders have completed."""
    rows = conn.all(
        "SELECT completed_at - created_at AS took FROM smm_orders "
        "WHERE service_id = ? AND completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT ?",
        (service_id, SAMPLE),
    )
    if len(rows) < MINIMUM:
        return None
    return sum(max(float(r["took"]), 0.0) for r in rows) / len(rows)


def describe(seconds: float | None) -> str:
    """``None`` → "not enough data"; else a rounded human duration: "45 s", "12 min", "3 h 20 min", "2 d 4 h"."""
    if seconds is None:
        return "not enough data"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
