"""The life of an SMM order: which status may follow which, and the one function that moves an order
and its money together.

    pending → processing → in_progress → completed | partial | cancelled

``processing`` and ``in_progress`` may be skipped (an upstream can report ``completed`` on its first
answer); terminal statuses are final. Every status change, whoever asks for it (status sync, the
submission loop, the operator CLI), goes through :func:`apply_transition`, which refunds in the same
unit of work: ``partial`` refunds charge * remains / quantity, ``cancelled`` the whole charge.

The one sanctioned backward move is not in this table: an operator may resend a flagged order (its
provider says it has no such order) with :func:`flashpanel.smm.resend.resend_flagged`, which moves it
from ``processing`` or ``in_progress`` back to ``pending`` with no money effect, to be submitted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from flashpanel.db.runner import Conn, now
from flashpanel.errors import IllegalTransition as IllegalTransition  # shared by every line
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.providers.base import SmmStatus
from flashpanel.wallet import ledger
from flashpanel.wallet.money import to_cents

STATUSES: Final[tuple[SmmStatus, ...]] = ("pending", "processing", "in_progress", "completed", "partial", "cancelled")
TERMINAL: Final[frozenset[str]] = frozenset({"completed", "partial", "cancelled"})
ACTIVE: Final[tuple[str, ...]] = ("processing", "in_progress")

# status -> statuses it may move to (forward only).
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "pending": frozenset({"processing", "in_progress", "completed", "partial", "cancelled"}),
    "processing": frozenset({"in_progress", "completed", "partial", "cancelled"}),
    "in_progress": frozenset({"completed", "partial", "cancelled"}),
    "completed": frozenset(),
    "partial": frozenset(),
    "cancelled": frozenset(),
}


class PartialNeedsRemains(RuleViolation):
    message = "A partial order needs its remains (the undelivered quantity) to compute its refund"


@dataclass(frozen=True, slots=True)
class Applied:
    """What :func:`apply_transition` did."""

    order_id: int
    previous: str
    status: str
    remains: int
    refunded_cents: int


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def refund_for(*, status: str, charge_cents: int, quantity: int, remains: int) -> int:
    """The money an order entering ``status`` gives back, in cents.

    ``partial``: charge * remains / quantity, rounded half-up to the cent (remains clamped to
    [0, quantity], so an over-delivery refunds nothing and a bogus remains never refunds more than
    the charge); ``cancelled``: the whole charge; anything else: nothing."""
    if status == "cancelled":
        return charge_cents
    if status == "partial" and quantity > 0:
        undelivered = min(max(remains, 0), quantity)
        return to_cents(Decimal(charge_cents) * undelivered / quantity / 100)
    return 0


def apply_transition(
    conn: Conn,
    *,
    order_id: int,
    expected: str,
    target: str,
    remains: int | None = None,
    start_count: int | None = None,
    upstream_order_id: str | None = None,
    next_check_at: float | None = None,
    note: str | None = None,
    clear_error: bool = False,
) -> Applied | None:
    """Move order ``order_id`` from ``expected`` to ``target`` and apply the money effect, in the caller's
    unit of work.

    Returns None, changing nothing, when the order is no longer in ``expected`` (someone else moved it
    first): the conditional ``UPDATE ... WHERE status = ?`` is the guard that makes a refund happen
    exactly once under retries and races; the ledger's one-refund-per-order index is the backstop.
    ``expected == target`` (non-terminal) only records progress (remains, start_count).
    ``clear_error`` (a status the upstream answered) forgets the last error and any "unknown order"
    streak; entering a terminal status clears the operator's attention flag, which is about an order
    still in flight.
    Raises :class:`IllegalTransition` for a move the table forbids, :class:`NotFound` for no such order,
    and :class:`PartialNeedsRemains` for ``partial`` without ``remains``: the refund of a partial order
    is computed from what was left undelivered, never guessed."""
    order = conn.one(
        "SELECT customer_id, quantity, charge_cents, remains, next_check_at FROM smm_orders WHERE id = ?", (order_id,)
    )
    if order is None:
        raise NotFound("Order not found")
    if target != expected and not can_move(expected, target):
        raise IllegalTransition(expected, target)
    if target == expected and target in TERMINAL:
        raise IllegalTransition(expected, target)
    if target == "partial" and remains is None:
        raise PartialNeedsRemains()
    quantity = int(order["quantity"])
    if target == "completed":
        new_remains = 0
    elif remains is not None:
        new_remains = min(max(remains, 0), quantity)
    elif target == "cancelled":
        new_remains = quantity if expected == "pending" else int(order["remains"])
    else:
        new_remains = int(order["remains"])
    refund_cents = refund_for(
        status=target, charge_cents=int(order["charge_cents"]), quantity=quantity, remains=new_remains
    )
    at = now()
    row = conn.one(
        "UPDATE smm_orders SET status = ?, remains = ?, start_count = COALESCE(?, start_count), "
        # A drip-feed order's runs delivered so far, from its delivered units (whole runs only).
        "delivered_runs = CASE WHEN runs IS NULL THEN 0 ELSE runs * (quantity - ?) / quantity END, "
        "upstream_order_id = COALESCE(?, upstream_order_id), refunded_cents = refunded_cents + ?, "
        "next_check_at = ?, last_error = CASE WHEN ? THEN NULL ELSE COALESCE(?, last_error) END, "
        "unknown_answers = CASE WHEN ? THEN 0 ELSE unknown_answers END, "
        "unknown_since = CASE WHEN ? THEN NULL ELSE unknown_since END, "
        "attention = CASE WHEN ? THEN NULL ELSE attention END, "
        "attention_at = CASE WHEN ? THEN NULL ELSE attention_at END, updated_at = ?, "
        "completed_at = CASE WHEN ? THEN ? ELSE completed_at END "
        "WHERE id = ? AND status = ? RETURNING id",
        (
            target,
            new_remains,
            start_count,
            new_remains,
            upstream_order_id,
            refund_cents,
            None if target in TERMINAL else (next_check_at if next_check_at is not None else order["next_check_at"]),
            clear_error,
            note,
            clear_error,
            clear_error,
            clear_error or target in TERMINAL,
            clear_error or target in TERMINAL,
            at,
            target == "completed",
            at,
            order_id,
            expected,
        ),
    )
    if row is None:
        return None
    if refund_cents > 0:
        ledger.refund(
            conn,
            customer_id=int(order["customer_id"]),
            amount_cents=refund_cents,
            order_kind="smm",
            order_id=order_id,
            note=f"smm order {order_id} {target}",
        )
    return Applied(
        order_id=order_id, previous=expected, status=target, remains=new_remains, refunded_cents=refund_cents
    )
