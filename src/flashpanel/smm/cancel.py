"""Cancelling SMM orders: who may, when, and forwarding the request to the upstream.

A pending order not yet handed to its provider is cancelled and refunded in full at once (through the
state machine, :func:`flashpanel.smm.lifecycle.apply_transition`, so exactly once). For an order the
provider already has, :func:`cancel_order` only records the request (``cancel_requested_at``), and only
when the service allows cancelling; the worker (:mod:`flashpanel.smm.forwarding`) hands each request to
the provider once (``cancel_forwarded_at``). Whether the upstream actually cancels shows up later in status
sync, which moves the order and its money through the SMM state machine, so a refund still happens
exactly once and only for what the upstream really gave back.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import msgspec

from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import all_as, one_as
from flashpanel.smm.lifecycle import TERMINAL, apply_transition

BATCH = 100


class CancelOutcome(Enum):
    """What asking to cancel one order did."""

    CANCELLED = "cancelled and refunded now"
    REQUESTED = "the request is recorded for the provider (or already was)"
    UNKNOWN_ORDER = "no such order of this customer"
    FINISHED = "the order has ended; it cannot be cancelled"
    UNSUPPORTED = "the order's service does not allow cancelling once the provider has it"

    @property
    def accepted(self) -> bool:
        return self in (CancelOutcome.CANCELLED, CancelOutcome.REQUESTED)


class _Cancellable(msgspec.Struct, frozen=True):
    id: int
    service_id: int
    status: str
    upstream_order_id: str | None
    submitting_at: float | None
    cancel_requested_at: float | None


def cancel_order(conn: Conn, *, customer_id: int, order_id: int) -> CancelOutcome:
    """Cancel the customer's order now, or record a request the worker forwards upstream; asking
    again is harmless. The order's money moves only through the state machine: here for an order
    nobody was asked to fulfil, later through status sync for one the upstream really cancels."""
    # The row lock makes the check and the change one step against the submission loop's claim
    # (which skips locked rows on PostgreSQL; SQLite's single writer serialises them anyway).
    order = one_as(
        conn,
        _Cancellable,
        "SELECT id, service_id, status, upstream_order_id, submitting_at, cancel_requested_at FROM smm_orders "
        "WHERE id = ? AND customer_id = ?" + conn.for_update,
        (order_id, customer_id),
    )
    if order is None:
        return CancelOutcome.UNKNOWN_ORDER
    if order.status in TERMINAL:
        return CancelOutcome.FINISHED
    if order.status == "pending" and order.submitting_at is None and order.upstream_order_id is None:
        # Nothing was sent anywhere yet: cancel and refund in full, now.
        applied = apply_transition(
            conn, order_id=order_id, expected="pending", target="cancelled", note="canceled by the customer"
        )
        return CancelOutcome.CANCELLED if applied is not None else CancelOutcome.FINISHED
    if not conn.scalar("SELECT cancel FROM smm_services WHERE id = ?", (order.service_id,)):
        return CancelOutcome.UNSUPPORTED
    if order.cancel_requested_at is None:
        at = now()
        conn.execute("UPDATE smm_orders SET cancel_requested_at = ?, updated_at = ? WHERE id = ?", (at, at, order_id))
    return CancelOutcome.REQUESTED


def cancel_orders(conn: Conn, *, key_digest: str, order_ids: Sequence[int | None]) -> list[CancelOutcome]:
    """Authenticate, then :func:`cancel_order` for each order, in order; None is the id of nothing."""
    customer_id = authenticate(conn, key_digest=key_digest)
    return [
        CancelOutcome.UNKNOWN_ORDER
        if order_id is None
        else cancel_order(conn, customer_id=customer_id, order_id=order_id)
        for order_id in order_ids
    ]


# -- the worker's side ------------------------------------------------------------------------------


class CancelRequest(msgspec.Struct, frozen=True):
    order_id: int
    provider_id: int | None
    upstream_order_id: str


def lease_requests(conn: Conn, *, at: float, limit: int = BATCH) -> list[CancelRequest]:
    """Claim up to ``limit`` unforwarded cancel requests of orders that have an upstream id and are
    still open; each is marked forwarded now (at most once: a lost answer is not re-sent)."""
    marks = ", ".join("?" * len(TERMINAL))
    requests = all_as(
        conn,
        CancelRequest,
        "SELECT id AS order_id, provider_id, upstream_order_id FROM smm_orders "
        "WHERE cancel_requested_at IS NOT NULL AND cancel_forwarded_at IS NULL AND upstream_order_id IS NOT NULL "
        f"AND status NOT IN ({marks}) ORDER BY cancel_requested_at, id LIMIT ?" + conn.for_update_skip_locked,
        (*sorted(TERMINAL), limit),
    )
    for request in requests:
        conn.execute("UPDATE smm_orders SET cancel_forwarded_at = ? WHERE id = ?", (at, request.order_id))
    return requests


def record_refusals(conn: Conn, *, refusals: dict[int, str], at: float) -> None:
    """Note why the upstream refused (or could not be asked) on the orders concerned."""
    for order_id, message in refusals.items():
        conn.execute(
            "UPDATE smm_orders SET last_error = ?, updated_at = ? WHERE id = ?",
            (f"cancel request: {message}"[:1000], at, order_id),
        )
