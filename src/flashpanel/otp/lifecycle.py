"""The life of an OTP order: which status may follow which, and the one function that moves an order
and its money together (the same shape and names as ``smm/lifecycle.py``).

    pending ──► waiting ──► completed          (SMS received)
       │           ├──────► cancelled  refund  (customer cancelled)
       │           └──────► expired    refund  (no SMS before expires_at)
       └─────► failed       refund             (provider gave no number, or the purchase never finished)

Every change of an order's status goes through :func:`apply_transition`. It is a conditional UPDATE
(``WHERE id = ? AND status = ?``), so when an SMS, a cancel and the expiry race for the same order,
exactly one of them changes it and the others see ``None``. The refund is written in the same unit of
work as the winning status change, so it happens iff the order ends cancelled, expired or failed, and
at most once (the ledger's unique refund index stops a second one even if this code were wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypedDict, Unpack

import msgspec

from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import one_as
from flashpanel.errors import IllegalTransition
from flashpanel.wallet import ledger

Status = Literal["pending", "waiting", "completed", "cancelled", "expired", "failed"]

STATUSES: Final[tuple[Status, ...]] = ("pending", "waiting", "completed", "cancelled", "expired", "failed")
TERMINAL: Final[frozenset[str]] = frozenset({"completed", "cancelled", "expired", "failed"})
REFUNDED: Final[frozenset[str]] = frozenset({"cancelled", "expired", "failed"})

# status -> statuses it may move to (forward only).
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "pending": frozenset({"waiting", "failed"}),
    "waiting": frozenset({"completed", "cancelled", "expired"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
    "failed": frozenset(),
}


class Changes(TypedDict, total=False):
    """Columns a transition may set besides the status (never money, never ownership)."""

    phone_number: str
    upstream_activation_id: str
    provider_id: int | None
    expires_at: float
    next_check_at: float | None
    sms_code: str
    last_error: str | None
    attention: str | None
    attention_at: float | None
    cost: str | None


_SETTABLE: Final = frozenset(Changes.__annotations__)


class OtpOrder(msgspec.Struct, frozen=True):
    """An OTP order as its rules read it (the ``otp_orders`` columns they use)."""

    id: int
    request_id: str
    customer_id: int
    phone_number: str | None
    charge_cents: int
    status: Status
    sms_code: str | None
    provider_id: int | None
    upstream_activation_id: str | None
    expires_at: float | None
    created_at: float

    # A waiting order always has its activation and deadline (``orders.activate`` sets both with the move).
    @property
    def activation_id(self) -> str:
        if self.upstream_activation_id is None:
            raise ValueError(f"otp order {self.id} has no upstream activation")
        return self.upstream_activation_id

    @property
    def deadline(self) -> float:
        if self.expires_at is None:
            raise ValueError(f"otp order {self.id} has no deadline")
        return self.expires_at


class ListedOrder(OtpOrder, frozen=True):
    """An order with the names of what was bought, as the customer sees it (check, history)."""

    service_name: str
    country_name: str


@dataclass(frozen=True, slots=True)
class Applied:
    """What :func:`apply_transition` did."""

    order_id: int
    previous: Status
    status: Status
    order: OtpOrder  # the order as it is after the change
    refunded_cents: int  # 0 unless the new status refunds
    balance_cents: int | None  # the customer's balance after the refund, when there was one


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def apply_transition(
    conn: Conn, *, order_id: int, expected: Status, target: Status, **changes: Unpack[Changes]
) -> Applied | None:
    """Move order ``order_id`` from ``expected`` to ``target`` and apply the money effect, in the caller's
    unit of work; ``changes`` sets other columns in the same UPDATE.

    Returns None, changing nothing, when the order is no longer in ``expected``: someone else's
    transition won. Raises :class:`IllegalTransition` for a move the table forbids (and ``TypeError`` for a
    column outside :class:`Changes`, which mypy already refuses where the call is written)."""
    if not can_move(expected, target):
        raise IllegalTransition(expected, target)
    unknown = set(changes) - _SETTABLE
    if unknown:
        raise TypeError(f"a transition cannot set {sorted(unknown)}")
    fields: dict[str, object] = dict(changes)
    if target in TERMINAL:
        fields.setdefault("next_check_at", None)
    columns = ["status", "updated_at", *fields]
    assignments = ", ".join(f"{column} = ?" for column in columns)
    order = one_as(
        conn,
        OtpOrder,
        f"UPDATE otp_orders SET {assignments} WHERE id = ? AND status = ? RETURNING *",  # column names are whitelisted
        (target, now(), *fields.values(), order_id, expected),
    )
    if order is None:
        return None
    if target not in REFUNDED:
        return Applied(order_id, expected, target, order, refunded_cents=0, balance_cents=None)
    refund_cents = order.charge_cents
    balance = ledger.refund(
        conn,
        customer_id=order.customer_id,
        amount_cents=refund_cents,
        order_kind="otp",
        order_id=order_id,
        note=f"otp order {target}",
    )
    return Applied(order_id, expected, target, order, refunded_cents=refund_cents, balance_cents=balance)
