"""Orders of the three lines: filtered lists, one order's page, and cancel / partial refund / mark
completed, each through the line's transition function, and resending a flagged SMM order (admin/orders.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from flashpanel.admin import orders
from flashpanel.admin.access import CurrentOperator, redirect, render
from flashpanel.admin.actions import perform
from flashpanel.admin.forms import Action, Bulk, QueryInt, Resend, SetStatus, filter_date
from flashpanel.api.context import app_state
from flashpanel.errors import FlashpanelError, NotFound, RuleViolation
from flashpanel.otp.service import release_soon
from flashpanel.wallet.money import format_cents
from flashpanel.web.security import page_headers


def _line(line: str) -> orders.Line:
    if line not in orders.LINES:
        raise NotFound(f"No product line {line!r}")
    return line


PAGE = 100  # orders a list page shows; "Older orders" pages back


@get("/orders/{line:str}")
async def order_list(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    line: FromPath[str],
    status: FromQuery[str] = "",
    customer: FromQuery[str] = "",
    service: FromQuery[str] = "",
    provider: FromQuery[str] = "",
    link: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
    attention: FromQuery[str] = "",
    before: QueryInt = None,
) -> Response[Any]:
    kind = _line(line)
    query = {
        "status": status,
        "customer": customer,
        "service": service,
        "provider": provider,
        "link": link,
        "since": since,
        "until": until,
        "attention": attention,
    }
    try:
        flt = orders.OrderFilter(
            status=status or None,
            customer=customer or None,
            service=service or None,
            provider=provider or None,
            link=link or None,
            since=filter_date(since),
            until=filter_date(until, end=True),
            attention=attention == "1",
        )
        rows = await app_state(request).db.read(orders.list_orders, line=kind, flt=flt, before_id=before, limit=PAGE)
        error = None
    except RuleViolation as exc:
        rows, error = [], exc.message
    return render(
        request,
        "admin/orders.html",
        line=kind,
        rows=rows,
        query=query,
        statuses=orders.STATUSES[kind],
        page_size=PAGE,
        error=error,
        active="orders",
        status=400 if error else 200,
    )


async def _order(request: Request[Any, Any, Any], line: orders.Line, order_id: int, **extra: Any) -> Response[Any]:
    page = await app_state(request).db.read(orders.order_page, line=line, order_id=order_id)
    status = int(extra.pop("status", 200))
    return render(request, "admin/order.html", status=status, page=page, active="orders", **{"error": None, **extra})


@get("/orders/{line:str}/{order_id:int}")
async def order_page(
    request: Request[Any, Any, Any], me: CurrentOperator, line: FromPath[str], order_id: FromPath[int]
) -> Response[Any]:
    return await _order(request, _line(line), order_id)


@post("/order-actions/smm/{order_id:int}/status")
async def smm_status(
    request: Request[Any, Any, Any], me: CurrentOperator, order_id: FromPath[int], data: SetStatus
) -> Response[Any]:
    try:
        remains = int(data.remains) if data.remains.strip() else None
    except ValueError:
        return await _order(request, "smm", order_id, error="Remains must be a whole number", status=400)
    try:
        done = await perform(
            app_state(request).db,
            orders.smm_set_status,
            actor=me.actor,
            order_id=order_id,
            status=data.status,
            remains=remains,
            note=data.note or None,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _order(request, "smm", order_id, error=exc.message, status=exc.status_code)
    refunded = f", refunded {format_cents(done.refunded_cents)}" if done.refunded_cents else ""
    return redirect(request, f"/orders/smm/{order_id}", flash=f"Order {order_id} is {done.status}{refunded}.")


@post("/order-actions/smm/{order_id:int}/resend")
async def smm_resend(
    request: Request[Any, Any, Any], me: CurrentOperator, order_id: FromPath[int], data: Resend
) -> Response[Any]:
    try:
        await perform(
            app_state(request).db,
            orders.smm_resend,
            actor=me.actor,
            order_id=order_id,
            checked_upstream=data.checked == "yes",
            note=data.note or None,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _order(request, "smm", order_id, error=exc.message, status=exc.status_code)
    message = f"Order {order_id} is pending again and goes to its provider shortly; the customer is not charged again."
    return redirect(request, f"/orders/smm/{order_id}", flash=message)


@post("/order-actions/otp/{order_id:int}/cancel")
async def otp_cancel(
    request: Request[Any, Any, Any], me: CurrentOperator, order_id: FromPath[int], data: Action
) -> Response[Any]:
    state = app_state(request)
    try:
        done, row = await perform(
            state.db,
            orders.otp_cancel,
            actor=me.actor,
            order_id=order_id,
            note=data.note or None,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _order(request, "otp", order_id, error=exc.message, status=exc.status_code)
    release_soon(state, row.provider_id, row.upstream_activation_id, order_id=order_id)
    message = f"Order {order_id} cancelled, refunded {format_cents(done.refunded_cents)}; the number is being released."
    return redirect(request, f"/orders/otp/{order_id}", flash=message)


@post("/order-actions/smm/bulk-cancel")
async def smm_bulk_cancel(request: Request[Any, Any, Any], me: CurrentOperator, data: Bulk) -> Response[Any]:
    """First post: a confirmation stating how much money will move. Second (``confirm``): each order is
    cancelled through the same action as one order's Cancel button."""
    ids = data.order_ids if isinstance(data.order_ids, list) else [data.order_ids]
    db = app_state(request).db
    preview = await db.read(orders.smm_bulk_cancel_preview, order_ids=ids)
    if data.confirm != "yes":
        return render(request, "admin/bulk_confirm.html", preview=preview, active="orders")
    refunded, refused = 0, []
    for position, order_id in enumerate(preview.cancellable):
        try:
            done = await perform(
                db,
                orders.smm_set_status,
                actor=me.actor,
                order_id=order_id,
                status="cancelled",
                request_id=f"{data.request_id}:{position}" if data.request_id else None,
            )
            refunded += done.refunded_cents
        except FlashpanelError as exc:
            refused.append(f"{order_id}: {exc.message}")
    message = f"Cancelled {len(preview.cancellable) - len(refused)} orders, refunded {format_cents(refunded)}."
    if refused:
        message += " Refused: " + "; ".join(refused[:5])
    return redirect(request, "/orders/smm", flash=message, level="error" if refused else "success")


@post("/order-actions/otp/{order_id:int}/resolve")
async def otp_resolve(
    request: Request[Any, Any, Any], me: CurrentOperator, order_id: FromPath[int], data: Action
) -> Response[Any]:
    try:
        await perform(
            app_state(request).db,
            orders.otp_resolve,
            actor=me.actor,
            order_id=order_id,
            note=data.note or None,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _order(request, "otp", order_id, error=exc.message, status=exc.status_code)
    return redirect(request, f"/orders/otp/{order_id}", flash=f"Order {order_id} marked as handled.")


@get("/order-actions/accounts/{order_id:int}/items.txt")
async def accounts_items(
    request: Request[Any, Any, Any], me: CurrentOperator, order_id: FromPath[int]
) -> Response[str]:
    """One accounts order's delivered items as a text download (the export is audited)."""
    state = app_state(request)
    body = await perform(state.db, orders.export_delivered, actor=me.actor, order_id=order_id, secrets=state.secrets)
    headers = {**page_headers(), "Content-Disposition": f'attachment; filename="order-{order_id}-items.txt"'}
    return Response(body, media_type="text/plain; charset=utf-8", headers=headers)


routes = [order_list, order_page, smm_status, smm_resend, otp_cancel, smm_bulk_cancel, otp_resolve, accounts_items]
