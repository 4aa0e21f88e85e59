"""The v2 actions that read or change orders: catalog, balance, add, status, cancel.

Each public function is one unit of work that authenticates the caller first (D2) and returns the
protocol's reply for that action. Placement and every status change go through the SMM domain
(:func:`flashpanel.smm.service.place_order`, :func:`flashpanel.smm.lifecycle.apply_transition`), so
an order placed or cancelled here follows exactly the rules of ``/api/v1``.
"""

from __future__ import annotations

from typing import Any

from flashpanel.apiv2 import dripfeed
from flashpanel.apiv2.protocol import INCORRECT_ORDER_ID, echo_id, error, order_status
from flashpanel.bounds import IdList
from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, now
from flashpanel.smm import service as smm
from flashpanel.smm.lifecycle import TERMINAL, apply_transition
from flashpanel.wallet import ledger
from flashpanel.wallet.money import format_cents

Reply = dict[str, Any]


# -- catalog and wallet -----------------------------------------------------------------------------
def services(conn: Conn, *, key_digest: str, simulators: bool) -> list[Reply]:
    """The SMM services on sale (as ``/api/v1`` lists them) in the protocol's standard list: rate per 1000
    in the panel currency (two places, as ``/api/v1`` shows it), ``min``/``max`` as strings like the
    reference panels."""
    authenticate(conn, key_digest=key_digest)
    rows = conn.all(
        "SELECT s.id, s.name, s.type, s.category, s.rate_cents, s.min_quantity, s.max_quantity, s.refill, "
        f"s.cancel, s.dripfeed {smm.ON_SALE_SQL} ORDER BY s.category, s.id",
        (simulators,),
    )
    return [
        {
            "service": int(r["id"]),
            "name": r["name"],
            "type": r["type"],
            "category": r["category"],
            "rate": format_cents(int(r["rate_cents"])),
            "min": str(r["min_quantity"]),
            "max": str(r["max_quantity"]),
            "refill": bool(r["refill"]),
            "cancel": bool(r["cancel"]),
            "dripfeed": bool(r["dripfeed"]),
        }
        for r in rows
    ]


def balance(conn: Conn, *, key_digest: str) -> int:
    """The caller's balance in cents."""
    return ledger.balance_cents(conn, customer_id=authenticate(conn, key_digest=key_digest))


# -- add --------------------------------------------------------------------------------------------
def add(
    conn: Conn,
    *,
    key_digest: str,
    service_id: int,
    link: str,
    quantity: int,
    simulators: bool,
    runs: int | None = None,
    interval_minutes: int | None = None,
) -> int:
    """Place an order through the SMM domain (its validation, charge and ``pending`` queueing) and
    return its id. With ``runs`` (drip-feed), ``quantity`` is per run and the order is placed and
    charged for ``runs * quantity``; see :mod:`flashpanel.apiv2.dripfeed`."""
    plan = dripfeed.plan(
        conn,
        service_id=service_id,
        quantity=quantity,
        runs=runs,
        interval_minutes=interval_minutes,
        simulators=simulators,
    )
    placed = smm.place_order(
        conn,
        key_digest=key_digest,
        service_id=service_id,
        link=link,
        quantity=quantity,
        simulators=simulators,
        runs=plan.runs if plan else None,
        interval_minutes=plan.interval_minutes if plan else None,
    )
    order_id = int(placed["order_id"])
    return order_id


# -- status -----------------------------------------------------------------------------------------
_STATUS_COLUMNS = "id, status, charge_cents, refunded_cents, start_count, remains"


def _status_reply(row: Any, currency: str) -> Reply:
    return {
        # What the order costs the customer now: the charge less what was refunded (partial, canceled).
        "charge": format_cents(int(row["charge_cents"]) - int(row["refunded_cents"])),
        "start_count": str(row["start_count"] or 0),
        "status": order_status(row["status"]),
        "remains": str(row["remains"]),
        "currency": currency,
    }


def _own_orders(conn: Conn, *, customer_id: int, order_ids: list[int], columns: str) -> dict[int, Any]:
    if not order_ids:
        return {}
    marks = ", ".join("?" * len(order_ids))
    rows = conn.all(
        f"SELECT {columns} FROM smm_orders WHERE customer_id = ? AND id IN ({marks})", (customer_id, *order_ids)
    )
    return {int(r["id"]): r for r in rows}


def status(conn: Conn, *, key_digest: str, order_id: int, currency: str) -> Reply:
    """One of the caller's orders; an unknown or foreign id gets ``{"error": "Incorrect order ID"}``."""
    customer_id = authenticate(conn, key_digest=key_digest)
    rows = _own_orders(conn, customer_id=customer_id, order_ids=[order_id] if order_id else [], columns=_STATUS_COLUMNS)
    row = rows.get(order_id) if order_id else None
    return _status_reply(row, currency) if row is not None else error(INCORRECT_ORDER_ID)


def statuses(conn: Conn, *, key_digest: str, ids: IdList, currency: str) -> Reply:
    """Up to 100 orders, keyed by the id as sent; unknown, foreign and malformed ids each get
    ``{"error": "Incorrect order ID"}``."""
    customer_id = authenticate(conn, key_digest=key_digest)
    rows = _own_orders(conn, customer_id=customer_id, order_ids=ids.ids, columns=_STATUS_COLUMNS)
    reply: Reply = {}
    for text in ids.raw:
        row = rows.get(ids.valid.get(text, 0))
        reply[text] = _status_reply(row, currency) if row is not None else error(INCORRECT_ORDER_ID)
    return reply


# -- cancel -----------------------------------------------------------------------------------------
NOT_CANCELLABLE = "This order cannot be canceled"
CANCEL_UNSUPPORTED = "Cancel is not available for this service"


def _cancel_one(conn: Conn, *, customer_id: int, order_id: int) -> int | Reply:
    # The row lock makes the check and the change one step against the submission loop's claim
    # (which skips locked rows on PostgreSQL; SQLite's single writer serialises them anyway).
    row = conn.one(
        "SELECT id, service_id, status, upstream_order_id, submitting_at, cancel_requested_at FROM smm_orders "
        "WHERE id = ? AND customer_id = ?" + conn.for_update,
        (order_id, customer_id),
    )
    if row is None:
        return error(INCORRECT_ORDER_ID)
    if row["status"] in TERMINAL:
        return error(NOT_CANCELLABLE)
    if row["status"] == "pending" and row["submitting_at"] is None and row["upstream_order_id"] is None:
        # Nothing was sent anywhere yet: cancel and refund in full, now.
        applied = apply_transition(
            conn, order_id=order_id, expected="pending", target="cancelled", note="canceled by the customer"
        )
        return 1 if applied is not None else error(NOT_CANCELLABLE)
    if not conn.scalar("SELECT cancel FROM smm_services WHERE id = ?", (row["service_id"],)):
        return error(CANCEL_UNSUPPORTED)
    if row["cancel_requested_at"] is None:
        # Forwarded to the upstream by the cancel loop; the outcome arrives through status sync.
        at = now()
        conn.execute("UPDATE smm_orders SET cancel_requested_at = ?, updated_at = ? WHERE id = ?", (at, at, order_id))
    return 1


def cancel(conn: Conn, *, key_digest: str, ids: IdList) -> list[Reply]:
    """Cancel up to 100 orders: ``[{"order": 2, "cancel": 1}, {"order": 9, "cancel": {"error": ...}}]``.

    A pending order not yet handed to its provider is canceled and refunded in full at once (through
    the SMM state machine, so exactly once). An order the provider already has gets a cancel request,
    forwarded upstream by :mod:`flashpanel.apiv2.cancel`; its money moves only when status sync hears
    the outcome. Asking again is harmless."""
    customer_id = authenticate(conn, key_digest=key_digest)
    results: list[Reply] = []
    for text in ids.raw:
        order_id = ids.valid.get(text)
        outcome = (
            error(INCORRECT_ORDER_ID)
            if order_id is None
            else _cancel_one(conn, customer_id=customer_id, order_id=order_id)
        )
        results.append({"order": echo_id(text), "cancel": outcome})
    return results
