"""Starting a top-up: the pending row with our reference first, then the gateway's hosted checkout."""

from __future__ import annotations

from decimal import Decimal

from flashpanel.config import Settings
from flashpanel.customers.accounts import profile
from flashpanel.db.runner import Database
from flashpanel.errors import FlashpanelError, RuleViolation
from flashpanel.payments.gateways.base import Gateway, GatewayError
from flashpanel.payments.topups import check_amount, create_topup, fee_cents, set_status


class GatewayUnavailable(FlashpanelError):
    """The gateway would not start a checkout; the top-up is marked failed and nothing was paid."""

    status_code = 502
    message = "The payment gateway is not available right now; please try again later"


class EmailRequired(RuleViolation):
    message = "Add your email address first: the payment gateway needs it"


async def start_checkout(
    db: Database,
    settings: Settings,
    gateways: dict[str, Gateway],
    *,
    customer_id: int,
    gateway: str,
    amount: Decimal,
    return_base_url: str,
) -> str:
    """Create a pending top-up for ``amount`` (plus the fee the settings set) and return the gateway's
    checkout URL for it. The row exists before the customer leaves, so any payment the gateway later
    reports under its reference is matched to this customer and this amount only."""
    chosen = gateways.get(gateway)
    if chosen is None:
        raise RuleViolation("This payment method is not available")
    amount_cents = check_amount(settings, amount)
    customer = await db.read(profile, customer_id=customer_id)
    if not customer.email:
        raise EmailRequired()
    gross_cents = amount_cents + fee_cents(settings, amount_cents)
    topup = await db.write(
        create_topup,
        customer_id=customer_id,
        gateway=gateway,
        amount_cents=amount_cents,
        gross_cents=gross_cents,
        currency=settings.currency,
    )
    try:
        checkout = await chosen.initialize(
            reference=topup.reference,
            amount_cents=gross_cents,
            currency=settings.currency,
            email=customer.email,
            name=customer.name,
            return_url=f"{return_base_url}/wallet/return/{gateway}",
        )
    except GatewayError as exc:
        await db.write(
            set_status, topup_id=topup.id, from_statuses=("pending",), to="failed", note=f"checkout refused: {exc}"
        )
        raise GatewayUnavailable() from exc
    return checkout.url
