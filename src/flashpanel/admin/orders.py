"""The back office's orders of the three lines: filtered lists, one order's page, and the actions on an
order. Every action moves the order through its line's one transition function (``smm.lifecycle``
via ``smm.admin``, ``otp.lifecycle`` via ``otp.orders``), whose conditional update lets exactly one of two
racing submissions win: money moves once. Resending a flagged SMM order (``smm.resend``) is the one
backward move, with no money effect, guarded the same way. Each action audits in the same unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from flashpanel.accounts.stock import items_of_orders
from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.roles import Permission, require
from flashpanel.crypto import SecretBox
from flashpanel.db.like import contains
from flashpanel.db.runner import Conn, Row
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.orders_history import StatusChange, status_history
from flashpanel.otp import admin as otp_admin
from flashpanel.otp import orders as otp_orders
from flashpanel.otp.admin import STATUSES as OTP_STATUSES
from flashpanel.otp.lifecycle import OtpOrder
from flashpanel.smm import admin as smm_admin
from flashpanel.smm.lifecycle import STATUSES as SMM_STATUSES
from flashpanel.smm.resend import Resent, resend_flagged
from flashpanel.wallet.money import format_cents

Line = Literal["smm", "otp", "accounts"]
LINES: Final[tuple[Line, ...]] = ("smm", "otp", "accounts")
STATUSES: Final[dict[str, tuple[str, ...]]] = {
    "smm": tuple(SMM_STATUSES),
    "otp": OTP_STATUSES,
    "accounts": ("completed",),
}
BULK_LIMIT = 100

_LIST_SQL: Final[dict[str, str]] = {
    "smm": (
        "SELECT o.id, c.name AS customer, s.name AS service, p.name AS provider, o.link AS detail, o.quantity, "
        "o.charge_cents, o.refunded_cents, o.status, o.attention, o.created_at FROM smm_orders o "
        "JOIN customers c ON c.id = o.customer_id JOIN smm_services s ON s.id = o.service_id "
        "LEFT JOIN providers p ON p.id = o.provider_id"
    ),
    "otp": (
        "SELECT o.id, c.name AS customer, s.name AS service, p.name AS provider, o.phone_number AS detail, "
        "1 AS quantity, o.charge_cents, CASE WHEN o.status IN ('cancelled', 'expired', 'failed') "
        "THEN o.charge_cents ELSE 0 END AS refunded_cents, o.status, o.attention, o.created_at FROM otp_orders o "
        "JOIN customers c ON c.id = o.customer_id JOIN otp_services s ON s.id = o.otp_service_id "
        "LEFT JOIN providers p ON p.id = o.provider_id"
    ),
    "accounts": (
        "SELECT o.id, c.name AS customer, pr.name AS service, NULL AS provider, NULL AS detail, o.quantity, "
        "o.charge_cents, 0 AS refunded_cents, o.status, NULL AS attention, o.created_at FROM account_orders o "
        "JOIN customers c ON c.id = o.customer_id JOIN account_products pr ON pr.id = o.product_id"
    ),
}


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: str | None = None
    customer: str | None = None
    service: str | None = None  # part of the service's (product's) name
    provider: str | None = None
    link: str | None = None  # part of the link (SMM) or the phone number (OTP)
    since: float | None = None
    until: float | None = None
    attention: bool = False


def list_orders(
    conn: Conn, *, line: Line, flt: OrderFilter, before_id: int | None = None, limit: int = 100
) -> list[Row]:
    """The newest orders of ``line`` matching ``flt`` (older than order ``before_id``, for the next page)."""
    if line not in LINES:
        raise NotFound(f"No product line {line!r}")
    if flt.status and flt.status not in STATUSES[line]:
        raise RuleViolation(f"Unknown status {flt.status!r}; expected one of {', '.join(STATUSES[line])}")
    clauses: list[str] = []
    params: list[Any] = []
    service_column = "pr.name" if line == "accounts" else "s.name"
    if flt.status:
        clauses.append("o.status = ?")
        params.append(flt.status)
    if flt.customer:
        clauses.append("c.name = ?")
        params.append(flt.customer.strip().lower())
    if flt.service:
        clauses.append(f"lower({service_column}) LIKE ? ESCAPE '\\'")
        params.append(contains(flt.service))
    if flt.provider and line != "accounts":
        clauses.append("p.name = ?")
        params.append(flt.provider.strip())
    if flt.link and line != "accounts":
        clauses.append(f"lower({'o.link' if line == 'smm' else 'o.phone_number'}) LIKE ? ESCAPE '\\'")
        params.append(contains(flt.link))
    if flt.since is not None:
        clauses.append("o.created_at >= ?")
        params.append(flt.since)
    if flt.until is not None:
        clauses.append("o.created_at < ?")
        params.append(flt.until)
    if flt.attention and line != "accounts":
        clauses.append("o.attention_at IS NOT NULL")
    if before_id is not None:
        clauses.append("o.id < ?")
        params.append(before_id)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return conn.all(f"{_LIST_SQL[line]}{where} ORDER BY o.id DESC LIMIT ?", (*params, limit))


@dataclass(frozen=True, slots=True)
class OrderPage:
    line: Line
    order: Row
    ledger: list[Row]  # the money this order moved: its charge and any refund
    history: list[Row]  # what operators did to it (the audit log)
    statuses: list[StatusChange]  # its creation, then every status change, oldest first


def order_page(conn: Conn, *, line: Line, order_id: int) -> OrderPage:
    if line == "smm":
        order = conn.one(
            "SELECT o.*, c.name AS customer, s.name AS service, p.name AS provider FROM smm_orders o "
            "JOIN customers c ON c.id = o.customer_id JOIN smm_services s ON s.id = o.service_id "
            "LEFT JOIN providers p ON p.id = o.provider_id WHERE o.id = ?",
            (order_id,),
        )
    elif line == "otp":
        order = conn.one(
            "SELECT o.*, c.name AS customer, s.name AS service, p.name AS provider FROM otp_orders o "
            "JOIN customers c ON c.id = o.customer_id JOIN otp_services s ON s.id = o.otp_service_id "
            "LEFT JOIN providers p ON p.id = o.provider_id WHERE o.id = ?",
            (order_id,),
        )
    elif line == "accounts":
        order = conn.one(
            "SELECT o.*, c.name AS customer, pr.name AS service FROM account_orders o "
            "JOIN customers c ON c.id = o.customer_id JOIN account_products pr ON pr.id = o.product_id WHERE o.id = ?",
            (order_id,),
        )
    else:
        raise NotFound(f"No product line {line!r}")
    if order is None:
        raise NotFound(f"No {line} order {order_id}")
    ledger = conn.all(
        "SELECT id, kind, amount_cents, balance_after_cents, note, created_at FROM ledger_entries "
        "WHERE order_kind = ? AND order_id = ? ORDER BY id",
        (line, order_id),
    )
    history = conn.all(
        "SELECT id, created_at, actor, action, before, after, note, outcome FROM audit_log "
        "WHERE object_kind = ? AND object_id = ? ORDER BY id",
        (f"{line}_order", str(order_id)),
    )
    statuses = status_history(
        conn, line=line, order_id=order_id, status=str(order["status"]), created_at=float(order["created_at"])
    )
    return OrderPage(line=line, order=order, ledger=ledger, history=history, statuses=statuses)


@dataclass(frozen=True, slots=True)
class OrderActionDone:
    order_id: int
    previous: str
    status: str
    refunded_cents: int


@audited("smm.set_status", "smm_order")
def smm_set_status(
    conn: Conn,
    *,
    actor: Actor,
    order_id: int,
    status: str,
    remains: int | None = None,
    note: str | None = None,
    request_id: str | None = None,
) -> OrderActionDone:
    """Cancel (full refund), end as partial with ``remains`` (refunds the undelivered part) or mark
    completed, through ``smm.lifecycle.apply_transition``. A second submission finds the order already
    terminal and is refused: the refund is paid once."""
    require(actor.role, Permission.ORDERS)
    refuse_a_seen_form(conn, request_id=request_id)
    if status not in ("cancelled", "partial", "completed"):
        raise RuleViolation("An operator may cancel an order, end it as partial, or mark it completed")
    applied = smm_admin.set_status(conn, order_id=order_id, status=status, remains=remains)
    record(
        conn,
        actor=actor,
        action=f"smm.{'cancel' if status == 'cancelled' else status}",
        object_kind="smm_order",
        object_id=order_id,
        before={"status": applied.previous},
        after={"status": applied.status, "remains": applied.remains, "refunded": format_cents(applied.refunded_cents)},
        note=note,
        request_id=request_id,
    )
    return OrderActionDone(order_id, applied.previous, applied.status, applied.refunded_cents)


@audited("smm.resend", "smm_order")
def smm_resend(
    conn: Conn,
    *,
    actor: Actor,
    order_id: int,
    checked_upstream: bool,
    note: str | None = None,
    request_id: str | None = None,
) -> Resent:
    """Send a flagged SMM order to its provider again (``smm.resend.resend_flagged``): the whole order is
    placed again, the customer is not charged again. ``checked_upstream`` is the operator's word that the
    provider has no record of the order; without it nothing is done. A second submission (or a second tab)
    finds the flag gone and is refused, so the order is resent once."""
    require(actor.role, Permission.ORDERS)
    refuse_a_seen_form(conn, request_id=request_id)
    if not checked_upstream:
        raise RuleViolation("Check at the provider that it has no record of this order first, then confirm it")
    resent = resend_flagged(conn, order_id=order_id)
    record(
        conn,
        actor=actor,
        action="smm.resend",
        object_kind="smm_order",
        object_id=order_id,
        before={
            "status": resent.previous,
            "upstream_order_id": resent.previous_upstream_order_id,
            "attention": resent.attention,
        },
        after={"status": "pending", "upstream_order_id": None},
        note=note,
        request_id=request_id,
    )
    return resent


@audited("otp.cancel", "otp_order")
def otp_cancel(
    conn: Conn, *, actor: Actor, order_id: int, note: str | None = None, request_id: str | None = None
) -> tuple[OrderActionDone, OtpOrder]:
    """Cancel a waiting number and refund it (``otp.lifecycle.apply_transition``). The caller releases the number
    upstream afterwards (``otp.service.release_soon``, which flags the order if that fails)."""
    require(actor.role, Permission.ORDERS)
    refuse_a_seen_form(conn, request_id=request_id)
    current = conn.one("SELECT status FROM otp_orders WHERE id = ?", (order_id,))
    if current is None:
        raise NotFound(f"No OTP order {order_id}")
    if current["status"] != "waiting":
        raise RuleViolation(f"OTP order {order_id} is {current['status']}: only a waiting order can be cancelled")
    done = otp_orders.cancel(conn, order_id=order_id)
    if done is None:
        raise RuleViolation(f"OTP order {order_id} changed meanwhile; nothing was refunded")
    record(
        conn,
        actor=actor,
        action="otp.cancel",
        object_kind="otp_order",
        object_id=order_id,
        before={"status": "waiting"},
        after={"status": "cancelled", "refunded": format_cents(done.refunded_cents)},
        note=note,
        request_id=request_id,
    )
    return OrderActionDone(order_id, "waiting", "cancelled", done.refunded_cents), done.order


@dataclass(frozen=True, slots=True)
class BulkPreview:
    order_ids: list[int]
    cancellable: list[int]
    refund_cents: int  # what cancelling them would give back, in total


def smm_bulk_cancel_preview(conn: Conn, *, order_ids: list[int]) -> BulkPreview:
    """What cancelling these SMM orders would refund (the confirmation page states it before anything moves)."""
    if not order_ids:
        raise RuleViolation("Select at least one order")
    if len(order_ids) > BULK_LIMIT:
        raise RuleViolation(f"Select at most {BULK_LIMIT} orders at a time")
    marks = ", ".join("?" for _ in order_ids)
    rows = conn.all(
        f"SELECT id, charge_cents, status FROM smm_orders WHERE id IN ({marks}) ORDER BY id", tuple(order_ids)
    )
    open_rows = [r for r in rows if r["status"] not in ("completed", "partial", "cancelled")]
    return BulkPreview(
        order_ids=[int(r["id"]) for r in rows],
        cancellable=[int(r["id"]) for r in open_rows],
        refund_cents=sum(int(r["charge_cents"]) for r in open_rows),
    )


@audited("otp.resolve", "otp_order")
def otp_resolve(
    conn: Conn, *, actor: Actor, order_id: int, note: str | None = None, request_id: str | None = None
) -> None:
    """Mark a flagged number handled (released at the provider by hand), as ``otp orders resolve`` does."""
    require(actor.role, Permission.ORDERS)
    refuse_a_seen_form(conn, request_id=request_id)
    otp_admin.resolve(conn, order_id=order_id)
    record(
        conn,
        actor=actor,
        action="otp.resolve",
        object_kind="otp_order",
        object_id=order_id,
        before={"attention": True},
        after={"attention": False},
        note=note,
        request_id=request_id,
    )


@audited("accounts.export", "accounts_order")
def export_delivered(conn: Conn, *, actor: Actor, order_id: int, secrets: SecretBox) -> str:
    """One accounts order's delivered items as text, one per line. Seeing credentials is audited."""
    require(actor.role, Permission.VIEW)
    if conn.one("SELECT 1 FROM account_orders WHERE id = ?", (order_id,)) is None:
        raise NotFound(f"No accounts order {order_id}")
    items = items_of_orders(conn, order_ids=[order_id])[order_id]
    record(
        conn,
        actor=actor,
        action="accounts.export",
        object_kind="accounts_order",
        object_id=order_id,
        after={"items": len(items)},
    )
    return "".join(secrets.decrypt(item) + "\n" for item in items)
