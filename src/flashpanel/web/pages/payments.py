"""Adding funds: the "Add funds" page (an amount and one button per gateway, or a bank transfer), the
pages the gateways send the customer back to, and asking a customer without an email for one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from flashpanel.api.context import app_state
from flashpanel.customers import accounts
from flashpanel.errors import FlashpanelError, NotFound, RuleViolation
from flashpanel.payments.checkout import start_checkout
from flashpanel.payments.credit import confirm_topup
from flashpanel.payments.gateways import gateways_of
from flashpanel.payments.manual import submit_transfer
from flashpanel.payments.topups import Topup, find_topup, list_topups
from flashpanel.wallet.money import InvalidAmount, parse_amount, to_cents
from flashpanel.web.auth import CurrentViewer
from flashpanel.web.forms import FORM
from flashpanel.web.render import redirect, render
from flashpanel.web.site import site_of


class TopupForm(msgspec.Struct):
    amount: str
    gateway: str


class TransferForm(msgspec.Struct):
    amount: str
    transfer_reference: str


class EmailForm(msgspec.Struct):
    email: str


@dataclass(frozen=True, slots=True)
class Offer:
    name: str
    label: str


def typed_amount(text: str) -> Decimal:
    try:
        return parse_amount(text)
    except InvalidAmount as exc:
        raise RuleViolation(f"The amount {exc}") from exc


async def _add_funds(
    request: Request[Any, Any, Any], viewer: CurrentViewer, *, status: int = 200, **context: Any
) -> Response[Any]:
    state = app_state(request)
    settings = state.settings
    recent = await state.db.read(list_topups, customer_id=viewer.customer.id, limit=10)
    fees = settings.topup_fee_percent or settings.topup_fee_flat
    return render(
        request,
        "add_funds.html",
        status=status,
        offers=[Offer(name, gateway.label) for name, gateway in gateways_of(state).items()],
        instructions=settings.funding_instructions,
        min_cents=to_cents(settings.topup_min),
        max_cents=to_cents(settings.topup_max),
        fee_percent=settings.topup_fee_percent if fees else None,
        fee_flat_cents=to_cents(settings.topup_fee_flat) if fees else None,
        recent=recent,
        **{"error": None, "transfer_error": None, "email_error": None, "amount": "", **context},
    )


@get("/wallet/add")
async def add_funds_page(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Response[Any]:
    return await _add_funds(request, viewer)


@post("/wallet/add")
async def pay(
    request: Request[Any, Any, Any], viewer: CurrentViewer, data: Annotated[TopupForm, FORM]
) -> Response[Any]:
    """Create the pending top-up, then send the customer to the gateway's hosted checkout."""
    state = app_state(request)
    try:
        url = await start_checkout(
            state.db,
            state.settings,
            gateways_of(state),
            customer_id=viewer.customer.id,
            gateway=data.gateway,
            amount=typed_amount(data.amount),
            return_base_url=site_of(request).base_url(request),
        )
    except FlashpanelError as exc:
        return await _add_funds(request, viewer, status=exc.status_code, error=exc.message, amount=data.amount)
    return Redirect(url, status_code=303)


@post("/wallet/transfer")
async def report_transfer(
    request: Request[Any, Any, Any], viewer: CurrentViewer, data: Annotated[TransferForm, FORM]
) -> Response[Any]:
    state = app_state(request)
    try:
        topup = await state.db.write(
            submit_transfer,
            settings=state.settings,
            customer_id=viewer.customer.id,
            amount=typed_amount(data.amount),
            transfer_reference=data.transfer_reference,
        )
    except FlashpanelError as exc:
        return await _add_funds(request, viewer, status=exc.status_code, transfer_error=exc.message)
    return redirect(
        request,
        "/wallet/add",
        flash=f"Transfer {topup.reference} recorded: your wallet is credited once the operator confirms it.",
    )


@post("/wallet/email")
async def set_email(
    request: Request[Any, Any, Any], viewer: CurrentViewer, data: Annotated[EmailForm, FORM]
) -> Response[Any]:
    try:
        await app_state(request).db.write(accounts.change_email, customer_id=viewer.customer.id, email=data.email)
    except FlashpanelError as exc:
        return await _add_funds(request, viewer, status=exc.status_code, email_error=exc.message)
    return redirect(request, "/wallet/add", flash="Your email address has been saved.")


async def _returned(
    request: Request[Any, Any, Any], viewer: CurrentViewer, gateway: str, reference: str
) -> Response[Any]:
    """Verify with the gateway (the query string proves nothing) and say where the top-up stands."""
    state = app_state(request)
    topup: Topup | None = await state.db.read(find_topup, reference=reference, gateway=gateway)
    if topup is None or topup.customer_id != viewer.customer.id:
        raise NotFound("We have no such top-up on your account")
    result = await confirm_topup(state.db, gateways_of(state), reference=reference, gateway=gateway)
    return render(request, "topup_return.html", topup=topup, outcome=result.status)


@get("/wallet/return/paystack")
async def paystack_return(
    request: Request[Any, Any, Any], viewer: CurrentViewer, reference: FromQuery[str] = ""
) -> Response[Any]:
    return await _returned(request, viewer, "paystack", reference)


@get("/wallet/return/flutterwave")
async def flutterwave_return(
    request: Request[Any, Any, Any], viewer: CurrentViewer, tx_ref: FromQuery[str] = ""
) -> Response[Any]:
    return await _returned(request, viewer, "flutterwave", tx_ref)


routes = [add_funds_page, pay, report_transfer, set_email, paystack_return, flutterwave_return]
