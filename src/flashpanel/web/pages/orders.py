"""Order history: SMM, OTP and Accounts tabs (paged, filtered by status, SMM searched by link), and each
order's page. Cancel, refill and the OTP cancel go through the units of work the API uses (D46)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from flashpanel.accounts import service as accounts
from flashpanel.api.context import app_state
from flashpanel.apiv2.answers import CANCEL_REFUSALS, REFILL_REFUSALS
from flashpanel.bounds import ID, within
from flashpanel.db.runner import now
from flashpanel.errors import FlashpanelError
from flashpanel.otp import history as otp_history
from flashpanel.otp import service as otp
from flashpanel.smm import cancel, refill
from flashpanel.smm import history as smm_history
from flashpanel.smm.lifecycle import STATUSES as SMM_STATUSES
from flashpanel.smm.refill import RefillRefusal
from flashpanel.web.acting import acting_for
from flashpanel.web.auth import CurrentViewer
from flashpanel.web.render import is_htmx, redirect, render

AnyRequest = Request[Any, Any, Any]
PER_PAGE = 20
TABS = ("smm", "otp", "accounts")
STATUS_CHOICES = {"smm": SMM_STATUSES, "otp": otp_history.STATUSES, "accounts": ("completed",)}


def _page_number(page: int) -> int:
    return min(max(page, 1), 10**9)


@get("/orders")
async def orders_page(
    request: AnyRequest,
    viewer: CurrentViewer,
    tab: FromQuery[str] = "smm",
    status: FromQuery[str] = "",
    q: FromQuery[str] = "",
    page: FromQuery[int] = 1,
) -> Response[Any]:
    tab = tab if tab in TABS else "smm"
    page = _page_number(page)
    status = status if status in STATUS_CHOICES[tab] else ""
    db = app_state(request).db
    customer_id = viewer.customer.id
    if tab == "smm":
        listing: Any = await db.read(
            smm_history.orders_page,
            customer_id=customer_id,
            status=status or None,
            link=q or None,
            page=page,
            per_page=PER_PAGE,
        )
        rows, total = listing.orders, listing.total
    elif tab == "otp":
        listing = await db.read(
            otp_history.orders_page, customer_id=customer_id, status=status or None, page=page, per_page=PER_PAGE
        )
        rows, total = listing.orders, listing.total
    else:
        call = await acting_for(request, viewer)
        listing = await call.read(
            accounts.order_history, key_digest=call.key_digest, page=page, limit=PER_PAGE, secrets=call.state.secrets
        )
        rows, total = listing.orders, listing.total
    return render(
        request,
        "orders.html",
        tab=tab,
        status_filter=status,
        statuses=STATUS_CHOICES[tab],
        q=q,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


# -- SMM -------------------------------------------------------------------------------------------------
@get("/orders/smm/{order_id:int}")
async def smm_order(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[Any]:
    order = await app_state(request).db.read(
        smm_history.order_of_customer, customer_id=viewer.customer.id, order_id=order_id
    )
    return render(request, "order_smm.html", order=order)


def _id_or_none(order_id: int) -> int | None:
    """The order id as the rules take it: None for one outside the id bounds (the id of nothing)."""
    return order_id if within(order_id, ID) else None


@post("/orders/smm/{order_id:int}/cancel")
async def cancel_smm_order(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[Any]:
    call = await acting_for(request, viewer)
    (outcome,) = await call.write(cancel.cancel_orders, key_digest=call.key_digest, order_ids=[_id_or_none(order_id)])
    path = f"/orders/smm/{order_id}"
    if not outcome.accepted:  # worded as the API words it
        return redirect(request, path, flash=CANCEL_REFUSALS[outcome], level="error")
    return redirect(request, path, flash="Cancel requested. Any refund shows in your wallet.")


@post("/orders/smm/{order_id:int}/refill")
async def refill_smm_order(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[Any]:
    call = await acting_for(request, viewer)
    (outcome,) = await call.write(refill.request_refills, key_digest=call.key_digest, order_ids=[_id_or_none(order_id)])
    path = f"/orders/smm/{order_id}"
    if isinstance(outcome, RefillRefusal):  # worded as the API words it
        return redirect(request, path, flash=REFILL_REFUSALS[outcome], level="error")
    return redirect(request, path, flash=f"Refill #{outcome} requested.")


# -- OTP -------------------------------------------------------------------------------------------------
async def _otp_order(request: AnyRequest, viewer: CurrentViewer, order_id: int, *, settle: bool) -> Any:
    """The order; with ``settle``, a waiting one is first brought up to date by ``otp.service.check`` (the
    code may have reached the provider; past its deadline it expires and is refunded)."""
    db = app_state(request).db
    order = await db.read(otp_history.order_of_customer, customer_id=viewer.customer.id, order_id=order_id)
    if settle and order["status"] == "waiting":
        call = await acting_for(request, viewer)
        await otp.check(call, key_digest=call.key_digest, request_id=order["request_id"])
        order = await db.read(otp_history.order_of_customer, customer_id=viewer.customer.id, order_id=order_id)
    return order


@get("/orders/otp/{order_id:int}")
async def otp_order(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[Any]:
    order = await _otp_order(request, viewer, order_id, settle=True)
    return render(request, "order_otp.html", order=order, now=now())


@get("/orders/otp/{order_id:int}/status")
async def otp_order_status(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[Any]:
    """The live part of the order page, polled by htmx every few seconds until the order is final."""
    order = await _otp_order(request, viewer, order_id, settle=True)
    template = "_otp_status.html" if is_htmx(request) else "order_otp.html"
    return render(request, template, order=order, now=now())


@post("/orders/otp/{order_id:int}/cancel")
async def cancel_otp_order(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[Any]:
    order = await _otp_order(request, viewer, order_id, settle=False)
    call = await acting_for(request, viewer)
    path = f"/orders/otp/{order_id}"
    try:
        await otp.cancel(call, key_digest=call.key_digest, request_id=order["request_id"])
    except FlashpanelError as exc:
        return redirect(request, path, flash=exc.message, level="error")
    return redirect(request, path, flash="Number cancelled; its price is back in your wallet.")


# -- Accounts --------------------------------------------------------------------------------------------
async def _accounts_order(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> accounts.AccountOrder:
    call = await acting_for(request, viewer)
    return await call.read(
        accounts.order_details, key_digest=call.key_digest, order_id=order_id, secrets=call.state.secrets
    )


@get("/orders/accounts/{order_id:int}")
async def accounts_order(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[Any]:
    return render(request, "order_accounts.html", order=await _accounts_order(request, viewer, order_id))


@get("/orders/accounts/{order_id:int}/credentials.txt")
async def accounts_credentials(request: AnyRequest, viewer: CurrentViewer, order_id: FromPath[int]) -> Response[str]:
    """The order's items, one per line, as a file to keep ("download .txt"). Never cached."""
    order = await _accounts_order(request, viewer, order_id)
    return Response(
        "\n".join(order.items) + "\n",
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="accounts-order-{order.order_id}.txt"',
            "Cache-Control": "no-store",
        },
    )


routes = [
    orders_page,
    smm_order,
    cancel_smm_order,
    refill_smm_order,
    otp_order,
    otp_order_status,
    cancel_otp_order,
    accounts_order,
    accounts_credentials,
]
