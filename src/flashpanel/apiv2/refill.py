"""Refills: a customer asks the provider to top a completed order back up (drops after delivery).

A refill has its own record and life, separate from its order's (whose money never moves again):

    pending (recorded, not yet forwarded) → in_progress (the upstream has it) → completed | rejected

Only an order of a service with ``refill`` allowed, and only once it is ``completed``, may be refilled;
an order has at most one open (pending or in-progress) refill, and asking again returns that one.
Forwarding and polling happen in :mod:`flashpanel.apiv2.worker`; the units of work are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from flashpanel.apiv2.protocol import INCORRECT_ORDER_ID, REFILL_NOT_FOUND, echo_id, error, refill_status
from flashpanel.bounds import NO_ROW, IdList
from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, now

Reply = dict[str, Any]

OPEN: Final = ("pending", "in_progress")
REFILL_UNSUPPORTED: Final = "Refill is not available for this service"
NOT_REFILLABLE: Final = "Only a completed order can be refilled"
MAX_FORWARD_ATTEMPTS: Final = 8
LEASE_SECONDS: Final = 60.0
POLL_SECONDS: Final = 30.0


# -- asking for refills -----------------------------------------------------------------------------
def _refill_one(conn: Conn, *, customer_id: int, order_id: int) -> int | Reply:
    # Locking the order serialises two requests for it, so the one-open-refill rule never races.
    order = conn.one(
        "SELECT id, service_id, status FROM smm_orders WHERE id = ? AND customer_id = ?" + conn.for_update,
        (order_id, customer_id),
    )
    if order is None:
        return error(INCORRECT_ORDER_ID)
    if not conn.scalar("SELECT refill FROM smm_services WHERE id = ?", (order["service_id"],)):
        return error(REFILL_UNSUPPORTED)
    if order["status"] != "completed":
        return error(NOT_REFILLABLE)
    existing = conn.scalar(
        "SELECT id FROM smm_refills WHERE order_id = ? AND status IN (?, ?) ORDER BY id LIMIT 1", (order_id, *OPEN)
    )
    if existing is not None:
        return int(existing)
    at = now()
    row = conn.one(
        "INSERT INTO smm_refills (order_id, customer_id, status, attempts, next_check_at, created_at, updated_at) "
        "VALUES (?, ?, 'pending', 0, ?, ?, ?) RETURNING id",
        (order_id, customer_id, at, at, at),
    )
    assert row is not None
    return int(row["id"])


def request_refill(conn: Conn, *, key_digest: str, order_id: int) -> Reply:
    """``{"refill": "<id>"}`` (the reference panels send the id as a string), or ``{"error": ...}``."""
    customer_id = authenticate(conn, key_digest=key_digest)
    if order_id == NO_ROW:
        return error(INCORRECT_ORDER_ID)
    outcome = _refill_one(conn, customer_id=customer_id, order_id=order_id)
    return outcome if isinstance(outcome, dict) else {"refill": str(outcome)}


def request_refills(conn: Conn, *, key_digest: str, ids: IdList) -> list[Reply]:
    """``[{"order": 1, "refill": 1}, {"order": 3, "refill": {"error": "Incorrect order ID"}}]``."""
    customer_id = authenticate(conn, key_digest=key_digest)
    results: list[Reply] = []
    for text in ids.raw:
        order_id = ids.valid.get(text)
        outcome = (
            error(INCORRECT_ORDER_ID)
            if order_id is None
            else _refill_one(conn, customer_id=customer_id, order_id=order_id)
        )
        results.append({"order": echo_id(text), "refill": outcome})
    return results


# -- reading refills --------------------------------------------------------------------------------
def _own_refills(conn: Conn, *, customer_id: int, refill_ids: list[int]) -> dict[int, str]:
    if not refill_ids:
        return {}
    marks = ", ".join("?" * len(refill_ids))
    rows = conn.all(
        f"SELECT id, status FROM smm_refills WHERE customer_id = ? AND id IN ({marks})", (customer_id, *refill_ids)
    )
    return {int(r["id"]): str(r["status"]) for r in rows}


def refill_state(conn: Conn, *, key_digest: str, refill_id: int) -> Reply:
    """``{"status": "Completed"}``; an unknown or foreign refill gets ``{"error": "Refill not found"}``."""
    customer_id = authenticate(conn, key_digest=key_digest)
    found = _own_refills(conn, customer_id=customer_id, refill_ids=[refill_id] if refill_id != NO_ROW else [])
    if refill_id not in found:
        return error(REFILL_NOT_FOUND)
    return {"status": refill_status(found[refill_id])}


def refill_states(conn: Conn, *, key_digest: str, ids: IdList) -> list[Reply]:
    """``[{"refill": 1, "status": "Completed"}, {"refill": 3, "status": {"error": "Refill not found"}}]``."""
    customer_id = authenticate(conn, key_digest=key_digest)
    found = _own_refills(conn, customer_id=customer_id, refill_ids=ids.ids)
    results: list[Reply] = []
    for text in ids.raw:
        status = found.get(ids.valid.get(text, 0))
        results.append(
            {"refill": echo_id(text), "status": refill_status(status) if status else error(REFILL_NOT_FOUND)}
        )
    return results


# -- the worker's side ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RefillJob:
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
    rows = conn.all(
        "SELECT r.id FROM smm_refills r WHERE r.status = ? AND r.next_check_at <= ? "
        "ORDER BY r.next_check_at, r.id LIMIT ?" + conn.for_update_skip_locked,
        (status, at, limit),
    )
    jobs = []
    for row in rows:
        leased = conn.one(
            "UPDATE smm_refills SET next_check_at = ?, attempts = attempts + ? WHERE id = ? AND status = ? "
            "RETURNING id, order_id, status, attempts, upstream_refill_id",
            (at + LEASE_SECONDS, 1 if status == "pending" else 0, row["id"], status),
        )
        if leased is None:
            continue
        order = conn.one("SELECT provider_id, upstream_order_id FROM smm_orders WHERE id = ?", (leased["order_id"],))
        assert order is not None
        jobs.append(
            RefillJob(
                refill_id=int(leased["id"]),
                order_id=int(leased["order_id"]),
                status=str(leased["status"]),
                attempts=int(leased["attempts"]),
                provider_id=order["provider_id"],
                upstream_order_id=order["upstream_order_id"],
                upstream_refill_id=leased["upstream_refill_id"],
            )
        )
    return jobs


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
    ``retry_in`` keeps the status and schedules the next look. Returns whether anything changed."""
    row = conn.one(
        "UPDATE smm_refills SET status = ?, upstream_refill_id = COALESCE(?, upstream_refill_id), "
        "last_error = COALESCE(?, last_error), next_check_at = ?, updated_at = ? "
        "WHERE id = ? AND status = ? RETURNING id",
        (
            status,
            upstream_refill_id,
            note,
            None if status in ("completed", "rejected") else at + (retry_in or POLL_SECONDS),
            at,
            job.refill_id,
            job.status,
        ),
    )
    return row is not None
