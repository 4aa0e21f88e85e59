"""The one credit path. The webhook, the return page, the reconciler and the operator's re-check all
call :func:`confirm_topup`; the operator's approval of a bank transfer calls :func:`mark_credited`.

Why a top-up cannot be credited twice, whatever order or how many times those arrive:

1. Nothing credits on what a caller *says* (a webhook body, a return URL's query string): the gateway's
   verify API is asked, outside any transaction, and its answer must be success for *our* reference,
   in our currency, for exactly the gross amount we asked for.
2. The credit is one unit of work: a conditional ``UPDATE topups SET status = 'credited' WHERE id = ?
   AND status IN ('pending', 'expired', 'failed')`` and, only when that changed a row, the ledger's
   ``topup`` entry. Concurrent confirmations serialise on the row (PostgreSQL re-checks the condition
   after the first commits; SQLite has one writer): exactly one sees the row change.
3. The database refuses a second ``topup`` ledger entry for the same top-up (unique ``topup_id``) and
   a second top-up with the same gateway transaction id, should any code path ever get that far.
4. A process killed between the gateway's answer and the commit committed nothing; the reconciler
   verifies the still-pending top-up later and credits it then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import msgspec

from flashpanel.db.runner import Conn, Database, is_unique_violation, now
from flashpanel.db.typed import one_as
from flashpanel.metrics import TOPUP_OUTCOMES
from flashpanel.payments.gateways.base import Gateway, GatewayError, Verification
from flashpanel.payments.topups import CREDITABLE, Topup, find_topup, set_status
from flashpanel.wallet.ledger import credit_topup
from flashpanel.wallet.money import format_cents

log = logging.getLogger("flashpanel.payments")


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The top-up's state after a confirmation: ``status`` None when the reference is not ours.
    ``credited_now`` says whether this call is the one that credited it; ``problem`` what kept it from
    being decided (the gateway could not be reached), if anything."""

    status: str | None
    credited_now: bool = False
    topup: Topup | None = None
    problem: str | None = None


class _Credited(msgspec.Struct, frozen=True):
    """The top-up a conditional credit changed: whose wallet, how much, and what the ledger note names."""

    customer_id: int
    amount_cents: int
    gateway: str
    reference: str


def mark_credited(
    conn: Conn,
    *,
    topup_id: int,
    from_statuses: tuple[str, ...],
    transaction_id: str | None = None,
    gateway_status: str | None = None,
) -> bool:
    """Credit a top-up once: the conditional status change and its ledger entry, on the caller's unit
    of work. False (and nothing written) when the top-up was not in one of ``from_statuses``."""
    at = now()
    marks = ", ".join("?" for _ in from_statuses)
    credited = one_as(
        conn,
        _Credited,
        "UPDATE topups SET status = 'credited', gateway_transaction_id = COALESCE(?, gateway_transaction_id), "
        "gateway_status = COALESCE(?, gateway_status), credited_at = ?, checked_at = ?, updated_at = ? "
        f"WHERE id = ? AND status IN ({marks}) RETURNING customer_id, amount_cents, gateway, reference",
        (transaction_id, gateway_status, at, at, at, topup_id, *from_statuses),
    )
    if credited is None:
        return False
    credit_topup(
        conn,
        customer_id=credited.customer_id,
        amount_cents=credited.amount_cents,
        topup_id=topup_id,
        note=f"top-up {credited.reference} ({credited.gateway})",
    )
    return True


def mismatch_note(topup: Topup, verification: Verification) -> str | None:
    """Why a successful payment does not match the top-up, in the operator's words; None when it does."""
    problems = []
    if verification.reference != topup.reference:
        problems.append(f"reference {verification.reference!r}")
    if verification.currency != topup.currency:
        problems.append(f"currency {verification.currency!r}")
    if verification.amount_cents != topup.gross_cents:
        paid = "unreadable" if verification.amount_cents is None else format_cents(verification.amount_cents)
        problems.append(f"amount {paid}")
    if not problems:
        return None
    return (
        f"{topup.gateway} reported success with {', '.join(problems)} (transaction "
        f"{verification.transaction_id}); asked for {topup.gross} {topup.currency}: not credited"
    )


def apply_verification(conn: Conn, *, topup: Topup, verification: Verification) -> tuple[str, bool]:
    """Record what the gateway said, crediting at most once. Returns (status now, credited by this call)."""
    credited = False
    if verification.outcome == "success":
        note = mismatch_note(topup, verification)
        if note is None:
            credited = mark_credited(
                conn,
                topup_id=topup.id,
                from_statuses=CREDITABLE,
                transaction_id=verification.transaction_id,
                gateway_status=verification.gateway_status,
            )
        else:
            set_status(
                conn,
                topup_id=topup.id,
                from_statuses=CREDITABLE,
                to="mismatch",
                note=note,
                gateway_status=verification.gateway_status,
            )
    elif verification.outcome == "failed":
        set_status(
            conn,
            topup_id=topup.id,
            from_statuses=("pending", "expired"),
            to="failed",
            gateway_status=verification.gateway_status,
        )
    conn.execute(
        "UPDATE topups SET checked_at = ?, gateway_status = CASE WHEN status = 'credited' THEN gateway_status "
        "ELSE ? END WHERE id = ?",
        (now(), verification.gateway_status, topup.id),
    )
    status = conn.scalar("SELECT status FROM topups WHERE id = ?", (topup.id,))
    return str(status), credited


async def confirm_topup(
    db: Database, gateways: dict[str, Gateway], *, reference: str, gateway: str | None = None
) -> Confirmation:
    """Verify our top-up ``reference`` with its gateway and credit it if it is paid (once, ever).

    Safe to call any number of times, concurrently, in any state: a top-up that is not creditable any
    more (credited, mismatch, a bank transfer) is answered from the database without asking the gateway."""
    topup = await db.read(find_topup, reference=reference, gateway=gateway)
    if topup is None:
        return Confirmation(status=None)
    if topup.status not in CREDITABLE or topup.gateway not in gateways:
        return Confirmation(status=topup.status, topup=topup)
    try:
        verification = await gateways[topup.gateway].verify(reference=topup.reference)
    except GatewayError as exc:
        log.warning("top-up %s: verification failed: %s", topup.reference, exc)
        return Confirmation(status=topup.status, topup=topup, problem=str(exc))
    try:
        status, credited = await db.write(apply_verification, topup=topup, verification=verification)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # Another top-up already carries this gateway transaction id: the gateway reports one payment
        # for two of our references. Never credit it twice; the operator decides.
        note = f"{topup.gateway} transaction {verification.transaction_id} is already recorded on another top-up"
        await db.write(set_status, topup_id=topup.id, from_statuses=CREDITABLE, to="mismatch", note=note)
        status, credited = "mismatch", False
    if credited:
        log.info("top-up %s credited (%s %s)", topup.reference, topup.amount, topup.currency)
    if status != topup.status:
        TOPUP_OUTCOMES.labels(topup.gateway, status).inc()
    return Confirmation(status=status, credited_now=credited, topup=topup)
