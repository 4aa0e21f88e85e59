"""The long-lived objects of a running flashpanel process, built once at start-up (``app.assemble_state``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flashpanel.config import Settings
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Database

if TYPE_CHECKING:
    import asyncio

    from cachetools import TTLCache

    from flashpanel.admin.catalog import ProviderBalance
    from flashpanel.api.ratelimit import FailureCounter, RateLimits
    from flashpanel.background import BackgroundCalls
    from flashpanel.otp.availability import AvailabilityCache
    from flashpanel.payments.gateways.base import Gateway
    from flashpanel.providers.registry import ProviderCache


@dataclass
class AppState:
    settings: Settings
    db: Database
    limits: RateLimits
    secrets: SecretBox
    # Provider objects per provider row, rebuilt from the row every registry.REFRESH_SECONDS.
    providers: ProviderCache
    # The SMM catalog as /api/v1 lists it, kept for a few seconds (api/v1/smm.py).
    smm_catalog: TTLCache[str, list[dict[str, Any]]]
    # How many numbers each OTP source has, refreshed in the background (otp/availability.py).
    otp_availability: AvailabilityCache
    # When each SMM provider's catalog is next synced (providers/worker.py), monotonic seconds.
    catalog_sync_next_at: dict[int, float]
    # When the OTP providers are next asked for their prices (otp/worker.py), monotonic seconds.
    otp_quotes_next_at: float
    # Provider calls a request started without waiting; shutdown drains them.
    background: BackgroundCalls
    # The payment gateways whose secrets are configured, by name (payments/gateways).
    payment_gateways: dict[str, Gateway]
    # Webhook calls with a bad signature, per client address (api/webhooks.py).
    webhook_signature_failures: FailureCounter
    # The back office: failed operator log-ins per name and per address (admin/pages/login.py), the
    # balances last read from each provider (admin/catalog.py), running stock imports (admin/stock.py).
    operator_login_failures: tuple[FailureCounter, FailureCounter]
    provider_balances: dict[str, ProviderBalance]
    stock_imports: set[asyncio.Task[Any]]
