"""Drip-feed orders: ``quantity`` per run, delivered ``runs`` times, ``interval`` minutes apart.

The order is stored with ``quantity = runs * per-run quantity`` (so its charge, ``remains`` and any
partial refund keep their one meaning, D3/D4), ``runs`` and ``interval_minutes`` beside it; the per-run
quantity is checked against the service's min/max by :func:`flashpanel.smm.service.place_order`. The
charge is rate * runs * quantity / 1000, rounded half-up once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from flashpanel.db.runner import Conn
from flashpanel.errors import MissingParameter, RuleViolation
from flashpanel.smm import service
from flashpanel.smm.queries import service_on_sale

MAX_RUNS: Final = 1000
MAX_INTERVAL_MINUTES: Final = 1440


@dataclass(frozen=True, slots=True)
class DripFeed:
    runs: int
    interval_minutes: int
    per_run: int


def plan(
    conn: Conn, *, service_id: int, quantity: int, runs: int | None, interval_minutes: int | None, simulators: bool
) -> DripFeed | None:
    """None for an ordinary order (no ``runs``). Otherwise checks the drip-feed parameters and that the
    service allows drip-feed; the service, link and quantity rules stay :func:`service.place_order`'s.
    Raises 400 when ``interval`` is missing, 422 for a value out of range or a service without drip-feed."""
    if runs is None:
        return None
    if interval_minutes is None:
        raise MissingParameter("interval")
    if not 1 <= runs <= MAX_RUNS:
        raise RuleViolation(f"Runs must be between 1 and {MAX_RUNS}")
    if not 0 <= interval_minutes <= MAX_INTERVAL_MINUTES:
        raise RuleViolation(f"Interval must be between 0 and {MAX_INTERVAL_MINUTES} minutes")
    if quantity < 1:
        raise RuleViolation("Quantity must be positive")
    offered = service_on_sale(conn, service_id=service_id, simulators=simulators)
    # A service not on sale is left to place_order, which refuses it with its usual message.
    if offered is not None and not offered.dripfeed:
        raise RuleViolation("Drip-feed is not available for this service")
    return DripFeed(runs=runs, interval_minutes=interval_minutes, per_run=quantity)


def place_order(
    conn: Conn,
    *,
    key_digest: str,
    service_id: int,
    link: str,
    quantity: int,
    simulators: bool,
    runs: int | None = None,
    interval_minutes: int | None = None,
) -> int:
    """Place an ordinary order, or with ``runs`` a drip-feed one (``quantity`` per run, charged for
    ``runs * quantity``), through :func:`service.place_order` (its validation, charge and ``pending``
    queueing); returns the order's id. The drip-feed parameters are checked first (see :func:`plan`)."""
    drip = plan(
        conn,
        service_id=service_id,
        quantity=quantity,
        runs=runs,
        interval_minutes=interval_minutes,
        simulators=simulators,
    )
    placed = service.place_order(
        conn,
        key_digest=key_digest,
        service_id=service_id,
        link=link,
        quantity=quantity,
        simulators=simulators,
        runs=drip.runs if drip else None,
        interval_minutes=drip.interval_minutes if drip else None,
    )
    return int(placed["order_id"])
