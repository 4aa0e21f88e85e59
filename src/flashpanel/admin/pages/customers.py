"""Customers: search, one customer's page, and the actions on a customer."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from flashpanel.admin import customers
from flashpanel.admin.access import CurrentOperator, OperatorView, redirect, render
from flashpanel.admin.actions import perform
from flashpanel.admin.forms import Action, ActionForm, Adjust, NewCustomer, QueryInt
from flashpanel.api.context import app_state
from flashpanel.customers.accounts import reset_link
from flashpanel.errors import FlashpanelError
from flashpanel.mail import Email, mailer_for
from flashpanel.wallet.money import InvalidAmount, parse_amount
from flashpanel.web.site import site_of

log = logging.getLogger("flashpanel.admin")


@get("/customers")
async def customer_list(request: Request[Any, Any, Any], me: CurrentOperator, q: FromQuery[str] = "") -> Response[Any]:
    hits = await app_state(request).db.read(customers.search, query=q[:100])
    return render(request, "admin/customers.html", hits=hits, q=q, error=None, active="customers")


@post("/customers")
async def create_customer(request: Request[Any, Any, Any], me: CurrentOperator, data: NewCustomer) -> Response[Any]:
    try:
        customer_id, key = await perform(
            app_state(request).db,
            customers.create,
            actor=me.actor,
            name=data.username,
            email=data.email.strip() or None,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        hits = await app_state(request).db.read(customers.search, query="")
        return render(
            request,
            "admin/customers.html",
            status=exc.status_code,
            hits=hits,
            q="",
            error=exc.message,
            active="customers",
        )
    return await _customer(request, customer_id, new_key=key)


async def _customer(
    request: Request[Any, Any, Any], customer_id: int, *, before: int | None = None, **extra: Any
) -> Response[Any]:
    page = await app_state(request).db.read(customers.customer_page, customer_id=customer_id, before=before)
    context: dict[str, Any] = {"error": None, "new_key": None, "link": None, "emailed": None, **extra}
    status = int(context.pop("status", 200))
    return render(request, "admin/customer.html", status=status, page=page, active="customers", **context)


@get("/customers/{customer_id:int}")
async def customer_page(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    customer_id: FromPath[int],
    before: QueryInt = None,
) -> Response[Any]:
    return await _customer(request, customer_id, before=before)


@post("/customers/{customer_id:int}/adjust")
async def adjust(
    request: Request[Any, Any, Any], me: CurrentOperator, customer_id: FromPath[int], data: Adjust
) -> Response[Any]:
    try:
        amount = parse_amount(data.amount)
    except InvalidAmount as exc:
        return await _customer(request, customer_id, error=f"Amount {exc}", status=400)
    signed = -amount if data.direction == "debit" else amount
    try:
        await perform(
            app_state(request).db,
            customers.adjust_wallet,
            actor=me.actor,
            customer_id=customer_id,
            amount=signed,
            note=data.note,
            seen_balance_cents=data.seen_balance_cents,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _customer(request, customer_id, error=exc.message, status=exc.status_code)
    done = "Credited" if signed > 0 else "Debited"
    return redirect(request, f"/customers/{customer_id}", flash=f"{done} {abs(signed)} with the note recorded.")


@post("/customers/{customer_id:int}/disable")
async def disable(
    request: Request[Any, Any, Any], me: CurrentOperator, customer_id: FromPath[int], data: Action
) -> Response[Any]:
    return await _set_active(request, me, customer_id, data, active=False)


@post("/customers/{customer_id:int}/enable")
async def enable(
    request: Request[Any, Any, Any], me: CurrentOperator, customer_id: FromPath[int], data: Action
) -> Response[Any]:
    return await _set_active(request, me, customer_id, data, active=True)


async def _set_active(
    request: Request[Any, Any, Any], me: OperatorView, customer_id: int, data: ActionForm, *, active: bool
) -> Response[Any]:
    try:
        await perform(
            app_state(request).db,
            customers.set_active,
            actor=me.actor,
            customer_id=customer_id,
            active=active,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _customer(request, customer_id, error=exc.message, status=exc.status_code)
    word = "enabled" if active else "disabled: their key and sessions stopped working"
    return redirect(request, f"/customers/{customer_id}", flash=f"Customer {word}.")


@post("/customers/{customer_id:int}/rotate-key")
async def rotate_key(
    request: Request[Any, Any, Any], me: CurrentOperator, customer_id: FromPath[int], data: Action
) -> Response[Any]:
    try:
        key = await perform(
            app_state(request).db,
            customers.rotate_key,
            actor=me.actor,
            customer_id=customer_id,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _customer(request, customer_id, error=exc.message, status=exc.status_code)
    return await _customer(request, customer_id, new_key=key)


@post("/customers/{customer_id:int}/reset-link")
async def send_reset_link(
    request: Request[Any, Any, Any], me: CurrentOperator, customer_id: FromPath[int], data: Action
) -> Response[Any]:
    state = app_state(request)
    try:
        token, email = await perform(
            state.db,
            customers.issue_reset_link,
            actor=me.actor,
            customer_id=customer_id,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return await _customer(request, customer_id, error=exc.message, status=exc.status_code)
    link = reset_link(site_of(request).base_url(request), token)
    if email is not None:
        body = f"The panel's operator sent you a link to choose a new password (valid for an hour, once):\n{link}\n"
        try:
            await mailer_for(state.settings).send(Email(to=email, subject="Choose a new password", body=body))
        except Exception:
            log.exception("could not email the reset link to customer %s", customer_id)
    return await _customer(request, customer_id, link=link, emailed=email)


routes = [customer_list, create_customer, customer_page, adjust, disable, enable, rotate_key, send_reset_link]
