"""Resending a flagged SMM order to its provider: the one sanctioned backward move of an SMM order (D72).

An order is flagged (``attention``) when its provider keeps answering that it does not know it
(``smm.fulfilment._unknown_order``). Once the operator has checked at the provider that it really has no
such order, :func:`resend_flagged` puts it back to ``pending`` as if it had just been placed, and the
submission loop (``smm.fulfilment.claim_for_submission``) hands the whole order to the provider again.
No money moves: the customer's charge stays, and a later cancel or partial refunds through
``smm.lifecycle.apply_transition`` as for any order (the ledger's one-refund-per-order index still holds,
since nothing was refunded before). The status history records ``processing → pending`` by itself (D71).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import one_as
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.smm.lifecycle import ACTIVE


@dataclass(frozen=True, slots=True)
class Resent:
    """What :func:`resend_flagged` did: the order is ``pending`` again, with no upstream id."""

    order_id: int
    previous: str  # processing | in_progress
    previous_upstream_order_id: str | None
    attention: str  # why it had been flagged


class _Flagged(msgspec.Struct, frozen=True):
    status: str
    upstream_order_id: str | None
    attention: str | None
    attention_at: float | None
    cancel_requested_at: float | None
    provider_active: bool | None  # None: the order has no provider (or it was deleted)
    service_active: bool


def resend_flagged(conn: Conn, *, order_id: int) -> Resent:
    """Put flagged in-flight order ``order_id`` back to ``pending``, due now, so it is submitted again.

    Only an order still ``processing`` or ``in_progress`` and still flagged is resent; the update is
    conditional on both, so of two resends at once (a double click, two tabs) the second finds no flag and
    is refused. Refused too, with the reason: an order the customer asked to cancel (cancel it instead), and
    one whose provider is disabled or whose service is no longer active (the submission would fail and
    cancel it; the operator decides that, not a resend). Resets what belonged to the old submission:
    upstream id, submission claim and attempts, delivery progress (remains = quantity, no start count),
    the unknown-order streak and the flag; ``last_error`` names the old upstream id until the provider
accepts the order again (the operator's audit row keeps it for good)."""
    order = one_as(
        conn,
        _Flagged,
        "SELECT o.status, o.upstream_order_id, o.attention, o.attention_at, o.cancel_requested_at, "
        "p.active AS provider_active, s.active AS service_active FROM smm_orders o "
        "JOIN smm_services s ON s.id = o.service_id LEFT JOIN providers p ON p.id = o.provider_id "
        # Lock the order only (FOR UPDATE may not lock the outer join's nullable side).
        "WHERE o.id = ?" + (f"{conn.for_update} OF o" if conn.is_postgres else ""),
        (order_id,),
    )
    if order is None:
        raise NotFound(f"No SMM order {order_id}")
    if order.status not in ACTIVE:
        raise RuleViolation(f"SMM order {order_id} is {order.status}: only an order in flight can be resent")
    if order.attention_at is None or order.attention is None:
        raise RuleViolation(f"SMM order {order_id} is not flagged: its provider knows it, so nothing was resent")
    if order.cancel_requested_at is not None:
        raise RuleViolation(f"The customer asked to cancel SMM order {order_id}: cancel it (refund) instead")
    if not order.provider_active:
        raise RuleViolation(f"SMM order {order_id}'s provider is disabled or gone: nothing was resent")
    if not order.service_active:
        raise RuleViolation(f"SMM order {order_id}'s service is no longer active: nothing was resent")
    at = now()
    note = f"resent to the provider by the operator; it had no record of order {order.upstream_order_id}"
    row = conn.one(
        "UPDATE smm_orders SET status = 'pending', next_check_at = ?, submitting_at = NULL, attempts = 0, "
        "upstream_order_id = NULL, cost = NULL, start_count = NULL, remains = quantity, delivered_runs = 0, "
        "attention = NULL, attention_at = NULL, unknown_answers = 0, unknown_since = NULL, last_error = ?, "
        "updated_at = ? WHERE id = ? AND status = ? AND attention_at IS NOT NULL RETURNING id",
        (at, note[:1000], at, order_id, order.status),
    )
    if row is None:  # unreachable while the row lock above holds; the condition is the guard regardless
        raise RuleViolation(f"SMM order {order_id} changed meanwhile; nothing was resent")
    return Resent(
        order_id=order_id,
        previous=order.status,
        previous_upstream_order_id=order.upstream_order_id,
        attention=order.attention,
    )
