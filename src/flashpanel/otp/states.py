"""The OTP order state machine: the allowed transitions, and the one function that applies one.

    pending ──► waiting ──► completed          (SMS received)
       │           ├──────► cancelled  refund  (customer cancelled)
       │           └──────► expired    refund  (no SMS before expires_at)
       └─────► failed       refund             (provider gave no number, or the purchase never finished)

Every change of an order's status goes through :func:`transition`. It is a conditional UPDATE
(``WHERE id = ? AND status = ?``), so when an SMS, a cancel and the expiry race for the same order,
exactly one of them changes it and the others see ``None``. The refund is written in the same unit of
work as the winning status change, so it happens iff the order ends cancelled, expired or failed, and
at most once (the ledger's unique refund index stops a second one even if this code were wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flashpanel.db.runner import Conn, Row, now
from flashpanel.wallet import ledger

Status = Literal["pending", "waiting", "completed", "cancelled", "expired", "failed"]

ALLOWED: frozenset[tuple[Status, Status]] = frozenset(
    {
        ("pending", "waiting"),
        ("pending", "failed"),
        ("waiting", "completed"),
        ("waiting", "cancelled"),
        ("waiting", "expired"),
    }
)
REFUNDED: frozenset[Status] = frozenset({"cancelled", "expired", "failed"})
TERMINAL: frozenset[Status] = frozenset({"completed", "cancelled", "expired", "failed"})

# Columns a transition may set besides the status (never money, never ownership).
_SETTABLE = frozenset(
    {
        "phone_number",
        "upstream_activation_id",
        "provider_id",
        "expires_at",
        "next_check_at",
        "sms_code",
        "last_error",
        "attention",
        "attention_at",
        "cost",
    }
)


class IllegalTransition(ValueError):
    """A programming error: the table above does not allow this change."""


@dataclass(frozen=True, slots=True)
class Transitioned:
    order: Row  # the order as it is after the change
    refund_cents: int  # 0 unless the new status refunds
    balance_cents: int | None  # the customer's balance after the refund, when there was one


def transition(
    conn: Conn, *, order_id: int, from_status: Status, to_status: Status, **fields: Any
) -> Transitioned | None:
    """Move the order from ``from_status`` to ``to_status`` and apply the money effect, on ``conn``.

    Returns ``None`` (and changes nothing) when the order is no longer in ``from_status``: someone
    else's transition won. ``fields`` sets other columns in the same UPDATE."""
    if (from_status, to_status) not in ALLOWED:
        raise IllegalTransition(f"{from_status} -> {to_status}")
    unknown = set(fields) - _SETTABLE
    if unknown:
        raise IllegalTransition(f"cannot set {sorted(unknown)} in a transition")
    if to_status in TERMINAL:
        fields.setdefault("next_check_at", None)
    columns = ["status", "updated_at", *fields]
    assignments = ", ".join(f"{column} = ?" for column in columns)
    order = conn.one(
        f"UPDATE otp_orders SET {assignments} WHERE id = ? AND status = ? RETURNING *",  # column names are whitelisted
        (to_status, now(), *fields.values(), order_id, from_status),
    )
    if order is None:
        return None
    if to_status not in REFUNDED:
        return Transitioned(order=order, refund_cents=0, balance_cents=None)
    refund_cents = int(order["charge_cents"])
    balance = ledger.refund(
        conn,
        customer_id=int(order["customer_id"]),
        amount_cents=refund_cents,
        order_kind="otp",
        order_id=int(order["id"]),
        note=f"otp order {to_status}",
    )
    return Transitioned(order=order, refund_cents=refund_cents, balance_cents=balance)
