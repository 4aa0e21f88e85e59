"""Units of work behind the SMM background loops: the submission outbox and status sync.

Submission claim protocol (an order is handed to its provider at most once):

1. ``claim_for_submission`` (one write unit) picks due ``pending`` orders with no claim
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single writer serialises it) and marks each
   with ``submitting_at = now`` by a conditional update. The status stays ``pending``: the order
   becomes ``processing`` only once the provider has accepted it.
2. The worker calls ``provider.submit`` outside any transaction.
3. One write unit stores the outcome, conditional on the claim still being the one it took
   (``status = 'pending' AND submitting_at = <claim>``):
   - accepted → ``pending → processing`` with the upstream order id, claim cleared;
   - retryable error → claim cleared, ``attempts``/``next_check_at`` back off, tried again later;
   - a timeout after sending (``ProviderError.outcome_unknown``) is never retried: it may have placed
     the order, so it is resolved like an interrupted submission (below), at once;
   - terminal error, or too many attempts → ``pending → cancelled``, full refund, once.
4. A claim left behind by a worker that died between 1 and 3 is never re-claimed (the upstream
   may or may not have the order, and there is no idempotency key in the SMM v2 protocol). After
   ``STALE_SUBMISSION_SECONDS`` it is resolved: cancelled with a full refund and ``last_error`` saying
   the outcome is unknown, so the operator can check upstream. An answer arriving after that is still
   recorded (upstream id, error) but moves no money.

Status sync leases due ``processing``/``in_progress`` orders (pushing ``next_check_at`` ahead so two
workers do not poll the same orders), asks each provider about up to 100 at once, and applies what
it hears through :func:`flashpanel.smm.lifecycle.apply_transition`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import msgspec

from flashpanel.db.runner import Conn
from flashpanel.db.typed import RowId, all_as, one_as
from flashpanel.providers.base import ProviderError, SmmProgress
from flashpanel.smm.lifecycle import ACTIVE, TERMINAL, Applied, apply_transition, can_move

log = logging.getLogger("flashpanel.smm.fulfilment")

SUBMIT_BATCH = 20
SYNC_BATCH = 100
MAX_SUBMIT_ATTEMPTS = 8
STALE_SUBMISSION_SECONDS = 300.0
SYNC_LEASE_SECONDS = 60.0
MIN_POLL_SECONDS = 2.0
MAX_POLL_SECONDS = 300.0
SYNC_ERROR_BACKOFF_SECONDS = 30.0


def submit_backoff(attempts: int) -> float:
    """Seconds before retrying a submission that failed ``attempts`` times: 5, 10, 20... up to 10 min."""
    return float(min(600, 5 * 2 ** max(0, attempts - 1)))


def poll_delay(*, created_at: float, at: float) -> float:
    """Poll young orders often and old ones rarely: a tenth of the order's age, within [2 s, 5 min]."""
    return min(MAX_POLL_SECONDS, max(MIN_POLL_SECONDS, (at - created_at) / 10))


# -- submission -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Claim:
    order_id: int
    claimed_at: float
    attempts: int
    provider_id: int | None
    upstream_service: str
    link: str
    quantity: int  # per run for a drip-feed order
    runs: int | None = None
    interval_minutes: int | None = None


class _Claimed(msgspec.Struct, frozen=True):
    id: int
    service_id: int
    provider_id: int | None
    link: str
    quantity: int
    attempts: int
    runs: int | None
    interval_minutes: int | None


def claim_for_submission(conn: Conn, *, at: float, limit: int = SUBMIT_BATCH) -> list[Claim]:
    """Claim up to ``limit`` due pending orders for submission (see the module docstring)."""
    due = all_as(
        conn,
        RowId,
        "SELECT id FROM smm_orders WHERE status = 'pending' AND next_check_at <= ? AND submitting_at IS NULL "
        "ORDER BY next_check_at, id LIMIT ?" + conn.for_update_skip_locked,
        (at, limit),
    )
    claims = []
    for row in due:
        claimed = one_as(
            conn,
            _Claimed,
            "UPDATE smm_orders SET submitting_at = ?, attempts = attempts + 1, updated_at = ? "
            "WHERE id = ? AND status = 'pending' AND submitting_at IS NULL "
            "RETURNING id, service_id, provider_id, link, quantity, attempts, runs, interval_minutes",
            (at, at, row.id),
        )
        if claimed is None:
            continue
        upstream = conn.scalar("SELECT upstream_service FROM smm_services WHERE id = ?", (claimed.service_id,))
        claims.append(
            Claim(
                order_id=claimed.id,
                claimed_at=at,
                attempts=claimed.attempts,
                provider_id=claimed.provider_id,
                upstream_service=str(upstream or claimed.service_id),
                link=claimed.link,
                quantity=claimed.quantity // (claimed.runs or 1),
                runs=claimed.runs,
                interval_minutes=claimed.interval_minutes,
            )
        )
    return claims


def _holds_claim(conn: Conn, claim: Claim) -> bool:
    return (
        conn.one(
            "SELECT 1 FROM smm_orders WHERE id = ? AND status = 'pending' AND submitting_at = ?",
            (claim.order_id, claim.claimed_at),
        )
        is not None
    )


def record_submitted(
    conn: Conn, *, claim: Claim, upstream_order_id: str, cost: str | None, at: float
) -> Applied | None:
    """The provider accepted the order: ``pending → processing`` with its upstream id. If the claim was
    lost meanwhile (resolved as stale), the upstream id is still recorded for the operator."""
    if not _holds_claim(conn, claim):
        conn.execute(
            "UPDATE smm_orders SET upstream_order_id = COALESCE(upstream_order_id, ?), last_error = ?, updated_at = ? "
            "WHERE id = ?",
            (
                upstream_order_id,
                f"provider accepted the order as {upstream_order_id} after it was resolved",
                at,
                claim.order_id,
            ),
        )
        return None
    applied = apply_transition(
        conn,
        order_id=claim.order_id,
        expected="pending",
        target="processing",
        upstream_order_id=upstream_order_id,
        next_check_at=at + MIN_POLL_SECONDS,
    )
    conn.execute(
        "UPDATE smm_orders SET submitting_at = NULL, cost = ?, last_error = NULL WHERE id = ?", (cost, claim.order_id)
    )
    return applied


def record_submit_failure(conn: Conn, *, claim: Claim, error: ProviderError, at: float) -> Applied | None:
    """A retryable failure releases the claim and backs off; a terminal one (or the last attempt)
    cancels the order with a full refund. Returns the cancellation when there was one."""
    if not _holds_claim(conn, claim):
        return None
    message = f"submission failed: {error.message}"[:1000]
    if error.outcome_unknown:
        # Retrying could place the order twice upstream (SMM v2 has no idempotency key): resolve it
        # like an interrupted submission instead, and leave the operator a note.
        message = f"submission timed out; its outcome upstream is unknown (check the provider): {error.message}"[:1000]
    elif error.retryable and claim.attempts < MAX_SUBMIT_ATTEMPTS:
        conn.execute(
            "UPDATE smm_orders SET submitting_at = NULL, last_error = ?, next_check_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'pending' AND submitting_at = ?",
            (message, at + submit_backoff(claim.attempts), at, claim.order_id, claim.claimed_at),
        )
        return None
    conn.execute("UPDATE smm_orders SET submitting_at = NULL WHERE id = ?", (claim.order_id,))
    return apply_transition(conn, order_id=claim.order_id, expected="pending", target="cancelled", note=message)


def resolve_stale_submissions(conn: Conn, *, at: float, limit: int = SUBMIT_BATCH) -> list[Applied]:
    """Cancel (full refund) pending orders whose submission claim is older than the stale limit."""
    stale = all_as(
        conn,
        RowId,
        "SELECT id FROM smm_orders WHERE status = 'pending' AND submitting_at IS NOT NULL AND submitting_at < ? "
        "ORDER BY id LIMIT ?" + conn.for_update_skip_locked,
        (at - STALE_SUBMISSION_SECONDS, limit),
    )
    resolved = []
    for row in stale:
        applied = apply_transition(
            conn,
            order_id=row.id,
            expected="pending",
            target="cancelled",
            note="submission interrupted; its outcome upstream is unknown (check the provider)",
        )
        if applied is not None:
            resolved.append(applied)
    return resolved


# -- status sync ------------------------------------------------------------------------------------
class Tracked(msgspec.Struct, frozen=True):
    order_id: int
    status: str
    provider_id: int | None
    upstream_order_id: str
    created_at: float


def lease_for_sync(conn: Conn, *, at: float, limit: int = SYNC_BATCH) -> list[Tracked]:
    """Take up to ``limit`` due in-flight orders and push their next check past the lease."""
    leased = all_as(
        conn,
        Tracked,
        "SELECT id AS order_id, status, provider_id, upstream_order_id, created_at FROM smm_orders "
        "WHERE status IN (?, ?) AND next_check_at <= ? AND upstream_order_id IS NOT NULL "
        "ORDER BY next_check_at, id LIMIT ?" + conn.for_update_skip_locked,
        (*ACTIVE, at, limit),
    )
    for order in leased:
        conn.execute("UPDATE smm_orders SET next_check_at = ? WHERE id = ?", (at + SYNC_LEASE_SECONDS, order.order_id))
    return leased


@dataclass(frozen=True, slots=True)
class UnknownOrderRule:
    """When "unknown order" answers flag an order for the operator: after ``answers`` of them in a row
    (``FLASHPANEL_UNKNOWN_ORDER_ATTENTION_AFTER``) spanning at least ``seconds``
    (``FLASHPANEL_UNKNOWN_ORDER_ATTENTION_SECONDS``)."""

    answers: int = 5
    seconds: float = 1800.0


# Errors by which the upstream says it does not know the order: an ``{"error": "Incorrect order ID"}``
# for it, or a multi-status answer that leaves it out.
UNKNOWN_ORDER_TOKENS = frozenset({"BAD_ORDER", "MISSING"})


def apply_progress(
    conn: Conn,
    *,
    order: Tracked,
    progress: SmmProgress | ProviderError,
    at: float,
    unknown_rule: UnknownOrderRule = UnknownOrderRule(),
) -> Applied | None:
    """Apply what the provider said about one order. A status the order has already passed
    (``pending`` upstream, ``processing`` after ``in_progress``) only updates the counts; any status
    answer clears the order's ``last_error``. A ``partial`` without a readable ``remains`` (missing,
    ``NaN``, ``33.5`` upstream) is a retryable error like any unreadable answer: the order keeps
    syncing and no money moves until the upstream says how much was left undelivered. Errors are
    recorded in ``last_error``; "unknown order" answers also count towards the operator's attention
    flag (:func:`_unknown_order`)."""
    if isinstance(progress, SmmProgress) and progress.status == "partial" and progress.remains is None:
        progress = ProviderError(
            "the provider reported the order partial without a readable remains", retryable=True, token="MALFORMED"
        )
    if isinstance(progress, ProviderError):
        message = f"status check failed: {progress.message}"[:1000]
        if progress.token in UNKNOWN_ORDER_TOKENS:
            _unknown_order(conn, order=order, message=message, at=at, rule=unknown_rule)
            return None
        conn.execute(
            "UPDATE smm_orders SET last_error = ?, next_check_at = ?, updated_at = ? WHERE id = ? AND status = ?",
            (message, at + SYNC_ERROR_BACKOFF_SECONDS, at, order.order_id, order.status),
        )
        return None
    target = progress.status if can_move(order.status, progress.status) else order.status
    return apply_transition(
        conn,
        order_id=order.order_id,
        expected=order.status,
        target=target,
        remains=progress.remains,
        start_count=progress.start_count,
        next_check_at=at + poll_delay(created_at=order.created_at, at=at),
        clear_error=True,
    )


class _UnknownStreak(msgspec.Struct, frozen=True):
    unknown_answers: int
    unknown_since: float
    attention_at: float | None


def _unknown_order(conn: Conn, *, order: Tracked, message: str, at: float, rule: UnknownOrderRule) -> None:
    """Count one more "unknown order" answer; past the rule, flag the order for the operator. Nothing
    else happens to it: the upstream may have lost track of an order it is still billing, so only the
    operator, after checking there, cancels (refunds) or completes it. A flagged order is still asked
    about, every 5 minutes; an answer with a status clears the flag."""
    streak = one_as(
        conn,
        _UnknownStreak,
        "UPDATE smm_orders SET unknown_answers = unknown_answers + 1, unknown_since = COALESCE(unknown_since, ?), "
        "last_error = ?, next_check_at = CASE WHEN attention_at IS NULL THEN ? ELSE ? END, updated_at = ? "
        "WHERE id = ? AND status = ? RETURNING unknown_answers, unknown_since, attention_at",
        (at, message, at + SYNC_ERROR_BACKOFF_SECONDS, at + MAX_POLL_SECONDS, at, order.order_id, order.status),
    )
    if streak is None or streak.attention_at is not None:
        return
    answers, since = streak.unknown_answers, streak.unknown_since
    if answers < rule.answers or at - since < rule.seconds:
        return
    note = (
        f"the provider has answered {answers} times over {round((at - since) / 60)} minutes that it does not "
        f"know order {order.upstream_order_id}: check it there, then complete or cancel it here, "
        "or resend it if the provider has no record of it (flashpanel smm orders set-status / cancel / resend)"
    )
    conn.execute(
        "UPDATE smm_orders SET attention = ?, attention_at = ?, next_check_at = ? WHERE id = ?",
        (note, at, at + MAX_POLL_SECONDS, order.order_id),
    )
    log.warning("smm order %s flagged for the operator: %s", order.order_id, note)


def postpone(conn: Conn, *, order_ids: list[int], message: str, at: float) -> None:
    """A whole provider could not be asked: try its orders again later."""
    for order_id in order_ids:
        conn.execute(
            "UPDATE smm_orders SET last_error = ?, next_check_at = ? WHERE id = ?",
            (message[:1000], at + SYNC_ERROR_BACKOFF_SECONDS, order_id),
        )


def is_terminal(applied: Applied | None) -> bool:
    return applied is not None and applied.status in TERMINAL
