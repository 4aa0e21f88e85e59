"""The back office's payments: top-ups listed with the gateway's answer, one top-up's page, and the
operator's actions on a top-up: re-check it with its gateway, approve or reject a bank transfer.

Every action calls the payments service (``payments.credit`` / ``payments.manual``) on the same unit of
work as its audit row, so a top-up credited by an operator always has the row saying who did it. A
refusal (role, rule, a form sent twice, a gateway that could not be asked) is audited in a unit of its
own, since the action's unit rolled back (``admin.actions.perform``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from flashpanel.admin.actions import audit_refusal, audited, perform
from flashpanel.admin.audit import Actor, AuditFilter, AuditRow, entries, record, refuse_a_seen_form
from flashpanel.admin.roles import Permission, require
from flashpanel.db.like import contains
from flashpanel.db.runner import Conn, Database, is_unique_violation
from flashpanel.errors import FlashpanelError, NotFound, RuleViolation
from flashpanel.metrics import TOPUP_OUTCOMES
from flashpanel.payments.credit import apply_verification
from flashpanel.payments.gateways.base import Gateway, GatewayError, Verification
from flashpanel.payments.manual import approve_transfer, reject_transfer
from flashpanel.payments.topups import BANK, COLUMNS, CREDITABLE, Topup, as_topup, get_topup, set_status

P = ParamSpec("P")
T = TypeVar("T")
OBJECT = "topup"
APPROVE, REJECT, RECHECK = "topup.approve", "topup.reject", "topup.recheck"


class GatewayUnreachable(FlashpanelError):
    status_code = 502
    message = "The gateway could not be asked: nothing changed, try again in a moment"


@dataclass(frozen=True, slots=True)
class TopupFilter:
    status: str | None = None
    gateway: str | None = None
    customer: str | None = None  # part of the customer's name
    customer_id: int | None = None


@dataclass(frozen=True, slots=True)
class TopupLine:
    topup: Topup
    customer: str


def list_topups(conn: Conn, *, flt: TopupFilter, before_id: int | None = None, limit: int = 100) -> list[TopupLine]:
    """Top-ups matching ``flt``, newest first (older than top-up ``before_id``, for the next page), each with
    its customer's name."""
    clauses: list[str] = []
    params: list[object] = []
    if before_id is not None:
        clauses.append("t.id < ?")
        params.append(before_id)
    if flt.status:
        clauses.append("t.status = ?")
        params.append(flt.status)
    if flt.gateway:
        clauses.append("t.gateway = ?")
        params.append(flt.gateway)
    if flt.customer_id is not None:
        clauses.append("t.customer_id = ?")
        params.append(flt.customer_id)
    if flt.customer:
        clauses.append("lower(c.name) LIKE ? ESCAPE '\\'")
        params.append(contains(flt.customer))
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    columns = ", ".join(f"t.{name.strip()}" for name in COLUMNS.split(","))
    rows = conn.all(
        f"SELECT {columns}, c.name AS customer_name FROM topups t JOIN customers c ON c.id = t.customer_id"
        f"{where} ORDER BY t.id DESC LIMIT ?",
        (*params, limit),
    )
    return [TopupLine(as_topup(r), str(r["customer_name"])) for r in rows]


@dataclass(frozen=True, slots=True)
class TopupPage:
    topup: Topup
    customer: str
    history: list[AuditRow]  # the operators' actions on this top-up, newest first


def topup_by_id(conn: Conn, *, topup_id: int) -> Topup:
    row = conn.one(f"SELECT {COLUMNS} FROM topups WHERE id = ?", (topup_id,))
    if row is None:
        raise NotFound(f"No top-up {topup_id}")
    return as_topup(row)


def topup_page(conn: Conn, *, topup_id: int) -> TopupPage:
    topup = topup_by_id(conn, topup_id=topup_id)
    name = conn.scalar("SELECT name FROM customers WHERE id = ?", (topup.customer_id,))
    history = entries(conn, flt=AuditFilter(object_kind=OBJECT, object_id=topup.reference), limit=50)
    return TopupPage(topup=topup, customer=str(name), history=history)


def can_recheck(topup: Topup, gateways: dict[str, Gateway]) -> bool:
    """Whether asking the gateway could change anything: a gateway payment not yet decided."""
    return topup.status in CREDITABLE and topup.gateway in gateways


def _snapshot(topup: Topup) -> dict[str, Any]:
    return {"status": topup.status, "amount": topup.amount, "gateway_status": topup.gateway_status}


@audited(APPROVE, OBJECT)
def approve(conn: Conn, *, actor: Actor, reference: str, note: str = "", request_id: str | None = None) -> Topup:
    """Credit a bank transfer awaiting approval (owner only), once: ``payments.manual.approve_transfer``
    moves its status and writes its ledger entry; this unit adds the audit row."""
    require(actor.role, Permission.MONEY)
    refuse_a_seen_form(conn, request_id=request_id)
    before = get_topup(conn, reference=reference)
    after = approve_transfer(conn, reference=reference)
    record(
        conn,
        actor=actor,
        action=APPROVE,
        object_kind=OBJECT,
        object_id=reference,
        before=_snapshot(before),
        after=_snapshot(after),
        note=note.strip() or None,
        request_id=request_id,
    )
    return after


@audited(REJECT, OBJECT)
def reject(conn: Conn, *, actor: Actor, reference: str, note: str, request_id: str | None = None) -> Topup:
    """Refuse a bank transfer awaiting approval (owner only); the note saying why is required."""
    require(actor.role, Permission.MONEY)
    refuse_a_seen_form(conn, request_id=request_id)
    before = get_topup(conn, reference=reference)
    after = reject_transfer(conn, reference=reference, note=note)
    record(
        conn,
        actor=actor,
        action=REJECT,
        object_kind=OBJECT,
        object_id=reference,
        before=_snapshot(before),
        after=_snapshot(after),
        note=note.strip(),
        request_id=request_id,
    )
    return after


@dataclass(frozen=True, slots=True)
class Rechecked:
    topup: Topup  # as it is after the re-check
    credited_now: bool


def _refuse_recheck(topup: Topup, gateways: dict[str, Gateway]) -> None:
    if topup.gateway == BANK:
        raise RuleViolation(f"{topup.reference} is a bank transfer: approve or reject it, there is no gateway to ask")
    if topup.gateway not in gateways:
        raise RuleViolation(f"{topup.gateway} is not configured on this panel: it cannot be asked")
    if topup.status not in CREDITABLE:
        raise RuleViolation(f"{topup.reference} is {topup.status}: the gateway's answer is already final")


@audited(RECHECK, OBJECT)
def check_recheck(conn: Conn, *, actor: Actor, reference: str, gateways: dict[str, Gateway]) -> Topup:
    """Before asking the gateway: the role (any operator may: it only asks) and the top-up's state."""
    require(actor.role, Permission.VIEW)
    topup = get_topup(conn, reference=reference)
    _refuse_recheck(topup, gateways)
    return topup


@audited(RECHECK, OBJECT)
def apply_recheck(
    conn: Conn,
    *,
    actor: Actor,
    reference: str,
    verification: Verification,
    request_id: str | None = None,
) -> Rechecked:
    """What the gateway answered, applied through the credit path's ``apply_verification`` (credits at
    most once, ever) with the audit row on the same unit of work."""
    refuse_a_seen_form(conn, request_id=request_id)
    before = get_topup(conn, reference=reference)
    if before.status not in CREDITABLE:  # decided meanwhile (a webhook, the reconciler, another operator)
        raise RuleViolation(f"{reference} became {before.status} meanwhile: nothing to re-check")
    _, credited = apply_verification(conn, topup=before, verification=verification)
    after = get_topup(conn, reference=reference)
    record(
        conn,
        actor=actor,
        action=RECHECK,
        object_kind=OBJECT,
        object_id=reference,
        before=_snapshot(before),
        after={**_snapshot(after), "gateway_said": verification.outcome, "credited_now": credited},
        note=after.note if after.status == "mismatch" else None,
        request_id=request_id,
    )
    return Rechecked(topup=after, credited_now=credited)


@audited(RECHECK, OBJECT)
def _mark_shared_transaction(
    conn: Conn, *, actor: Actor, reference: str, verification: Verification, request_id: str | None = None
) -> Rechecked:
    """The gateway reports, for this top-up, a transaction already recorded on another: never credit it
    twice (as ``payments.credit.confirm_topup`` does), flag the mismatch for the operator."""
    refuse_a_seen_form(conn, request_id=request_id)
    before = get_topup(conn, reference=reference)
    note = f"{before.gateway} transaction {verification.transaction_id} is already recorded on another top-up"
    set_status(conn, topup_id=before.id, from_statuses=CREDITABLE, to="mismatch", note=note)
    after = get_topup(conn, reference=reference)
    record(
        conn,
        actor=actor,
        action=RECHECK,
        object_kind=OBJECT,
        object_id=reference,
        before=_snapshot(before),
        after={**_snapshot(after), "gateway_said": verification.outcome, "credited_now": False},
        note=note,
        request_id=request_id,
    )
    return Rechecked(topup=after, credited_now=False)


async def recheck(
    db: Database,
    gateways: dict[str, Gateway],
    *,
    actor: Actor,
    reference: str,
    request_id: str | None = None,
) -> Rechecked:
    """Ask the gateway about a top-up now (outside any transaction), then apply its answer and the
    audit row in one unit. Concurrent re-checks, webhooks and the reconciler credit it once."""
    topup = await perform(db, check_recheck, actor=actor, reference=reference, gateways=gateways)
    try:
        verification = await gateways[topup.gateway].verify(reference=topup.reference)
    except GatewayError as exc:
        refused = GatewayUnreachable(f"{topup.gateway} could not be asked: {exc}")
        await audit_refusal(db, check_recheck, refused, {"actor": actor, "reference": reference})
        raise refused from exc
    try:
        done = await perform(
            db, apply_recheck, actor=actor, reference=reference, verification=verification, request_id=request_id
        )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        done = await perform(
            db,
            _mark_shared_transaction,
            actor=actor,
            reference=reference,
            verification=verification,
            request_id=request_id,
        )
    if done.topup.status != topup.status:
        TOPUP_OUTCOMES.labels(topup.gateway, done.topup.status).inc()
    return done
