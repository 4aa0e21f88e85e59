"""Refills: a customer asks the provider to top a completed order back up (drops after delivery).

A refill has its own record and life, separate from its order's (whose money never moves again):

    pending (recorded, not yet forwarded) → in_progress (the upstream has it) → completed | rejected

Only an order of a service with ``refill`` allowed, and only once it is ``completed``, may be refilled;
an order has at most one open (pending or in-progress) refill, and asking again returns that one.
Forwarding and polling happen in :mod:`flashpanel.smm.forwarding`; the units of work are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Final, Literal

import msgspec

from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import RowId, all_as, one_as
from flashpanel.errors import IllegalTransition

RefillStatus = Literal["pending", "in_progress", "completed", "rejected"]

OPEN: Final = ("pending", "in_progress")
TERMINAL: Final[frozenset[str]] = frozenset({"completed", "rejected"})
# status -> statuses it may move to; staying put (a retry, a poll) is allowed while the refill is open.
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "pending": frozenset({"pending", "in_progress", "completed", "rejected"}),
    "in_progress": frozenset({"in_progress", "completed", "rejected"}),
    "completed": frozenset(),
    "rejected": frozenset(),
}
MAX_FORWARD_ATTEMPTS: Final = 8
LEASE_SECONDS: Final = 60.0
POLL_SECONDS: Final = 30.0


class RefillRefusal(Enum):
    """Why a refill was not recorded."""

    UNKNOWN_ORDER = "no such order of this customer"
    UNSUPPORTED = "the order's service does not allow refills"
    NOT_COMPLETED = "only a completed order can be refilled"


# What an upstream's refill status word means here; any other word means it is still working on it.
_UPSTREAM_WORDS: Final[dict[str, RefillStatus]] = {
    "completed": "completed",
    "complete": "completed",
    "success": "completed",
    "rejected": "rejected",
    "canceled": "rejected",
    "cancelled": "rejected",
    "refunded": "rejected",
    "error": "rejected",
    "fail": "rejected",
    "failed": "rejected",
}


def upstream_progress(word: str) -> RefillStatus:
    """An upstream's refill status (``Completed``, ``In progress``...) as ``completed``, ``rejected`` or
    ``in_progress``."""
    return _UPSTREAM_WORDS.get(word.strip().lower().replace(" ", "_"), "in_progress")


# -- asking for refills -----------------------------------------------------------------------------
class _Refillable(msgspec.Struct, frozen=True):
    id: int
    service_id: int
    status: str


def request_refill(conn: Conn, *, customer_id: int, order_id: int) -> int | RefillRefusal:
    """Record a refill of the customer's order (or find its open one); returns the refill's id."""
    # Locking the order serialises two requests for it, so the one-open-refill rule never races.
    order = one_as(
        conn,
        _Refillable,
        "SELECT id, service_id, status FROM smm_orders WHERE id = ? AND customer_id = ?" + conn.for_update,
        (order_id, customer_id),
    )
    if order is None:
        return RefillRefusal.UNKNOWN_ORDER
    if not conn.scalar("SELECT refill FROM smm_services WHERE id = ?", (order.service_id,)):
        return RefillRefusal.UNSUPPORTED
    if order.status != "completed":
        return RefillRefusal.NOT_COMPLETED
    existing = conn.scalar(
        "SELECT id FROM smm_refills WHERE order_id = ? AND status IN (?, ?) ORDER BY id LIMIT 1", (order_id, *OPEN)
    )
    if existing is not None:
        return int(existing)
    at = now()
    refill_id = conn.scalar(
        "INSERT INTO smm_refills (order_id, customer_id, status, attempts, next_check_at, created_at, updated_at) "
        "VALUES (?, ?, 'pending', 0, ?, ?, ?) RETURNING id",
        (order_id, customer_id, at, at, at),
    )
    return int(refill_id)


def request_refills(conn: Conn, *, key_digest: str, order_ids: Sequence[int | None]) -> list[int | RefillRefusal]:
    """Authenticate, then :func:`request_refill` for each order, in order; None is the id of nothing."""
    customer_id = authenticate(conn, key_digest=key_digest)
    return [
        RefillRefusal.UNKNOWN_ORDER
        if order_id is None
        else request_refill(conn, customer_id=customer_id, order_id=order_id)
        for order_id in order_ids
    ]


# -- reading refills --------------------------------------------------------------------------------
class _RefillState(msgspec.Struct, frozen=True):
    id: int
    status: RefillStatus


def refill_statuses(conn: Conn, *, key_digest: str, refill_ids: Sequence[int]) -> dict[int, RefillStatus]:
    """Authenticate, then the status of each of the customer's own refills among ``refill_ids``
    (unknown and foreign ones are absent)."""
    customer_id = authenticate(conn, key_digest=key_digest)
    if not refill_ids:
        return {}
    marks = ", ".join("?" * len(refill_ids))
    found = all_as(
        conn,
        _RefillState,
        f"SELECT id, status FROM smm_refills WHERE customer_id = ? AND id IN ({marks})",
        (customer_id, *refill_ids),
    )
    return {refill.id: refill.status for refill in found}


# -- the worker's side ------------------------------------------------------------------------------
class RefillJob(msgspec.Struct, frozen=True):
    refill_id: int
    order_id: int
    status: str
    attempts: int
    provider_id: int | None
    upstream_order_id: str | None
    upstream_refill_id: str | None


def lease_due(conn: Conn, *, status: str, at: float, limit: int = 100) -> list[RefillJob]:
    """Take up to ``limit`` due refills in ``status`` and push their next look past a lease, so two
    workers do not forward or poll the same refill at once."""
    due = all_as(
        conn,
        RowId,
        "SELECT r.id FROM smm_refills r WHERE r.status = ? AND r.next_check_at <= ? "
        "ORDER BY r.next_check_at, r.id LIMIT ?" + conn.for_update_skip_locked,
        (status, at, limit),
    )
    jobs = []
    for refill in due:
        leased = one_as(
            conn,
            _Leased,
            "UPDATE smm_refills SET next_check_at = ?, attempts = attempts + ? WHERE id = ? AND status = ? "
            "RETURNING id, order_id, status, attempts, upstream_refill_id",
            (at + LEASE_SECONDS, 1 if status == "pending" else 0, refill.id, status),
        )
        if leased is None:
            continue
        order = one_as(
            conn, _Upstream, "SELECT provider_id, upstream_order_id FROM smm_orders WHERE id = ?", (leased.order_id,)
        )
        assert order is not None
        jobs.append(
            RefillJob(
                refill_id=leased.id,
                order_id=leased.order_id,
                status=leased.status,
                attempts=leased.attempts,
                provider_id=order.provider_id,
                upstream_order_id=order.upstream_order_id,
                upstream_refill_id=leased.upstream_refill_id,
            )
        )
    return jobs


class _Leased(msgspec.Struct, frozen=True):
    id: int
    order_id: int
    status: str
    attempts: int
    upstream_refill_id: str | None


class _Upstream(msgspec.Struct, frozen=True):
    provider_id: int | None
    upstream_order_id: str | None


def record_outcome(
    conn: Conn,
    *,
    job: RefillJob,
    status: str,
    at: float,
    upstream_refill_id: str | None = None,
    note: str | None = None,
    retry_in: float | None = None,
) -> bool:
    """Store what the worker learnt, conditional on the refill still being where the job found it.
    ``retry_in`` keeps the status and schedules the next look. Returns whether anything changed.
    Raises :class:`IllegalTransition` for a move the table forbids."""
    if status not in ALLOWED.get(job.status, frozenset()):
        raise IllegalTransition(job.status, status, subject="A refill")
    row = conn.one(
        "UPDATE smm_refills SET status = ?, upstream_refill_id = COALESCE(?, upstream_refill_id), "
        "last_error = COALESCE(?, last_error), next_check_at = ?, updated_at = ? "
        "WHERE id = ? AND status = ? RETURNING id",
        (
            status,
            upstream_refill_id,
            note,
            None if status in TERMINAL else at + (retry_in or POLL_SECONDS),
            at,
            job.refill_id,
            job.status,
        ),
    )
    return row is not None
