"""The gateways a panel offers: those whose secret is configured."""

from __future__ import annotations

from flashpanel.config import Settings
from flashpanel.payments.gateways.base import Gateway
from flashpanel.state import AppState


def configured_gateways(settings: Settings) -> dict[str, Gateway]:
    """Each gateway with its secret set, by name, in the order the page offers them. A gateway's module
    (and httpx) is imported only when its secret is set."""
    gateways: dict[str, Gateway] = {}
    if settings.paystack_secret_key:
        from flashpanel.payments.gateways.paystack import Paystack

        gateways["paystack"] = Paystack(secret_key=settings.paystack_secret_key, base_url=settings.paystack_base_url)
    if settings.flutterwave_secret_key:
        from flashpanel.payments.gateways.flutterwave import Flutterwave

        gateways["flutterwave"] = Flutterwave(
            secret_key=settings.flutterwave_secret_key,
            secret_hash=settings.flutterwave_secret_hash,
            base_url=settings.flutterwave_base_url,
        )
    return gateways


def gateways_of(state: AppState) -> dict[str, Gateway]:
    """The running process's gateways, built once from its settings (``app.assemble_state``)."""
    return state.payment_gateways
