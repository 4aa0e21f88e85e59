"""Payments: top-ups listed with the gateway's answer, one top-up's page, and re-check / approve /
reject, each through admin/payments.py (the payments service plus the audit row, one unit of work)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from flashpanel.admin import payments
from flashpanel.admin.access import CurrentOperator, redirect, render
from flashpanel.admin.actions import perform
from flashpanel.admin.forms import Action, QueryInt
from flashpanel.api.context import app_state
from flashpanel.errors import FlashpanelError
from flashpanel.payments.gateways import gateways_of
from flashpanel.payments.topups import BANK, GATEWAYS, STATUSES

PAGE = 100  # top-ups a page shows; "Older top-ups" pages back


@get("/payments")
async def payment_list(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    status: FromQuery[str] = "",
    gateway: FromQuery[str] = "",
    customer: FromQuery[str] = "",
    customer_id: QueryInt = None,
    before: QueryInt = None,
) -> Response[Any]:
    flt = payments.TopupFilter(
        status=status if status in STATUSES else None,
        gateway=gateway if gateway in (*GATEWAYS, BANK) else None,
        customer=customer[:100] or None,
        customer_id=customer_id,
    )
    lines = await app_state(request).db.read(payments.list_topups, flt=flt, before_id=before, limit=PAGE)
    return render(
        request,
        "admin/payments.html",
        lines=lines,
        query={"status": status, "gateway": gateway, "customer": customer, "customer_id": customer_id},
        page_size=PAGE,
        statuses=STATUSES,
        gateways=(*GATEWAYS, BANK),
        active="payments",
    )


async def _topup(request: Request[Any, Any, Any], topup_id: int, **extra: Any) -> Response[Any]:
    state = app_state(request)
    page = await state.db.read(payments.topup_page, topup_id=topup_id)
    status = int(extra.pop("status", 200))
    return render(
        request,
        "admin/payment.html",
        status=status,
        page=page,
        can_recheck=payments.can_recheck(page.topup, gateways_of(state)),
        bank=BANK,
        active="payments",
        **{"error": None, **extra},
    )


@get("/payments/{topup_id:int}")
async def payment_page(request: Request[Any, Any, Any], me: CurrentOperator, topup_id: FromPath[int]) -> Response[Any]:
    return await _topup(request, topup_id)


async def _reference(request: Request[Any, Any, Any], topup_id: int) -> str:
    topup = await app_state(request).db.read(payments.topup_by_id, topup_id=topup_id)
    return topup.reference


@post("/payments/{topup_id:int}/recheck")
async def recheck(
    request: Request[Any, Any, Any], me: CurrentOperator, topup_id: FromPath[int], data: Action
) -> Response[Any]:
    state = app_state(request)
    reference = await _reference(request, topup_id)
    try:
        done = await payments.recheck(
            state.db, gateways_of(state), actor=me.actor, reference=reference, request_id=data.request_id
        )
    except FlashpanelError as exc:
        return await _topup(request, topup_id, error=exc.message, status=exc.status_code)
    said = f"{done.topup.gateway} says {done.topup.gateway_status or 'nothing yet'}"
    outcome = "credited now" if done.credited_now else done.topup.status
    return redirect(request, f"/payments/{topup_id}", flash=f"Re-checked: {said}; the top-up is {outcome}.")


@post("/payments/{topup_id:int}/approve")
async def approve(
    request: Request[Any, Any, Any], me: CurrentOperator, topup_id: FromPath[int], data: Action
) -> Response[Any]:
    reference = await _reference(request, topup_id)
    try:
        done = await perform(
            app_state(request).db,
            payments.approve,
            actor=me.actor,
            reference=reference,
            note=data.note,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _topup(request, topup_id, error=exc.message, status=exc.status_code)
    return redirect(request, f"/payments/{topup_id}", flash=f"Approved: {done.amount} credited to the wallet.")


@post("/payments/{topup_id:int}/reject")
async def reject(
    request: Request[Any, Any, Any], me: CurrentOperator, topup_id: FromPath[int], data: Action
) -> Response[Any]:
    reference = await _reference(request, topup_id)
    try:
        await perform(
            app_state(request).db,
            payments.reject,
            actor=me.actor,
            reference=reference,
            note=data.note,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _topup(request, topup_id, error=exc.message, status=exc.status_code)
    return redirect(request, f"/payments/{topup_id}", flash="Rejected: nothing was credited.")


routes = [payment_list, payment_page, recheck, approve, reject]
