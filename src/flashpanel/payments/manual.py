"""Bank transfers: the customer says what they sent, the operator approves (credits once) or rejects.

Plain units of work, so the CLI (``flashpanel payments approve|reject``) and the back office share them."""

from __future__ import annotations

from decimal import Decimal

from flashpanel.config import Settings
from flashpanel.db.runner import Conn
from flashpanel.errors import RuleViolation
from flashpanel.payments.credit import mark_credited
from flashpanel.payments.topups import BANK, Topup, check_amount, create_topup, get_topup, set_status


def submit_transfer(
    conn: Conn, *, settings: Settings, customer_id: int, amount: Decimal, transfer_reference: str
) -> Topup:
    """Record a transfer the customer says they made, awaiting the operator's approval."""
    if not settings.funding_instructions:
        raise RuleViolation("Bank transfers are not offered on this panel")
    transfer_reference = " ".join(transfer_reference.split())
    if not 3 <= len(transfer_reference) <= 100:
        raise RuleViolation("The transfer reference must be 3 to 100 characters")
    amount_cents = check_amount(settings, amount)
    return create_topup(
        conn,
        customer_id=customer_id,
        gateway=BANK,
        amount_cents=amount_cents,
        gross_cents=amount_cents,
        currency=settings.currency,
        status="awaiting_approval",
        note=f"transfer reference: {transfer_reference}",
    )


def approve_transfer(conn: Conn, *, reference: str) -> Topup:
    """Credit a bank transfer awaiting approval, once: approving it again, or after a rejection, fails."""
    topup = get_topup(conn, reference=reference)
    if topup.gateway != BANK:
        raise RuleViolation(f"{reference} is a {topup.gateway} payment: `payments recheck` asks the gateway")
    if not mark_credited(conn, topup_id=topup.id, from_statuses=("awaiting_approval",)):
        raise RuleViolation(f"{reference} is {topup.status}, not awaiting approval")
    return get_topup(conn, reference=reference)


def reject_transfer(conn: Conn, *, reference: str, note: str) -> Topup:
    """Refuse a bank transfer awaiting approval (nothing credited); ``note`` says why."""
    if not note.strip():
        raise RuleViolation("Say why the transfer is rejected")
    topup = get_topup(conn, reference=reference)
    if topup.gateway != BANK:
        raise RuleViolation(f"{reference} is a {topup.gateway} payment, not a bank transfer")
    if not set_status(
        conn, topup_id=topup.id, from_statuses=("awaiting_approval",), to="rejected", note=f"rejected: {note.strip()}"
    ):
        raise RuleViolation(f"{reference} is {topup.status}, not awaiting approval")
    return get_topup(conn, reference=reference)
