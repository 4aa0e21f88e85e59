"""The Litestar application: routes, error handlers, start-up and shutdown."""

from __future__ import annotations

import os
import sys
from typing import Any

from cachetools import TTLCache
from litestar import Litestar, Request, Response, Router, get

from flashpanel.admin.access import admin_site
from flashpanel.admin.router import admin_router
from flashpanel.admin.templates import ADMIN_TEMPLATES
from flashpanel.api.access_log import AccessLog, BufferedLines
from flashpanel.api.errors import EXCEPTION_HANDLERS
from flashpanel.api.ratelimit import RateLimits
from flashpanel.api.request_metrics import RequestStats, api_paths_of
from flashpanel.api.v1 import accounts as accounts_v1
from flashpanel.api.v1 import otp as otp_v1
from flashpanel.api.v1 import smm as smm_v1
from flashpanel.api.v1 import wallet as wallet_v1
from flashpanel.api.v1.smm import CATALOG_TTL_SECONDS
from flashpanel.api.webhooks import routes as payment_webhooks
from flashpanel.apiv2.routes import routes as apiv2_routes
from flashpanel.background import BackgroundCalls
from flashpanel.config import Settings, get_settings
from flashpanel.crypto import SecretBox, open_secret_box
from flashpanel.db.runner import Database, open_database
from flashpanel.otp.availability import AvailabilityCache
from flashpanel.payments.gateways import configured_gateways
from flashpanel.providers.registry import ProviderCache
from flashpanel.server import FORWARDED_ALLOW_IPS_ENV, die_with_supervisor
from flashpanel.state import AppState
from flashpanel.web.docs import docs_router
from flashpanel.web.errors import for_path
from flashpanel.web.router import web_routers
from flashpanel.web.site import WebSite, customer_session_policy
from flashpanel.web.templating import template_config
from flashpanel.worker.runner import Worker


@get("/healthz", include_in_schema=False)
async def healthz(request: Request[Any, Any, Any]) -> Response[bytes]:
    return Response(b'{"status":"ok"}', media_type="application/json")


def build_state(settings: Settings) -> AppState:
    return assemble_state(
        settings,
        db=open_database(settings.database_url, pool_size=settings.db_pool_size),
        limits=RateLimits(settings),
        secrets=open_secret_box(settings.secret_key_file),
    )


def assemble_state(settings: Settings, *, db: Database, limits: RateLimits, secrets: SecretBox) -> AppState:
    """The one place an :class:`AppState` is made: the given resources, empty caches."""
    return AppState(
        settings=settings,
        db=db,
        limits=limits,
        secrets=secrets,
        providers=ProviderCache(),
        smm_catalog=TTLCache(maxsize=1, ttl=CATALOG_TTL_SECONDS),
        otp_availability=AvailabilityCache(),
        catalog_sync_next_at={},
        otp_quotes_next_at=0.0,
        background=BackgroundCalls(),
        payment_gateways=configured_gateways(settings),
        webhook_signature_failures=limits.failure_counter(settings.rate_limit_webhook, "webhook-signature"),
        operator_login_failures=(
            limits.failure_counter(settings.rate_limit_admin_login, "admin-login-name"),
            limits.failure_counter(settings.rate_limit_admin_login, "admin-login-ip"),
        ),
        provider_balances={},
        stock_imports=set(),
    )


def start(app: Litestar, settings: Settings, *, run_worker: bool) -> AppState:
    """Build the process state (database, rate limits, secrets) and start the background loops."""
    state = build_state(settings)
    app.state.fp = state
    if run_worker:
        worker = Worker(state)
        worker.start()
        app.state.worker = worker
    return state


async def stop(app: Litestar) -> None:
    worker: Worker | None = app.state.get("worker")
    if worker:
        await worker.stop()
    state: AppState | None = app.state.get("fp")
    if state:
        # Provider calls requests started without waiting (releasing numbers) finish, each within its
        # own timeout, and record what they must before the database closes.
        await state.background.drain()
        await state.limits.close()
        state.db.close()


def create_served_app() -> Any:
    """What ``flashpanel serve`` runs (the server's factory, in each API process): the app behind
    flashpanel's own access log, batched to stdout, unless ``FLASHPANEL_ACCESS_LOG`` is false
    (``serve --no-access-log``), and its request metrics; and with ``serve --proxy-headers``, behind
    uvicorn's proxy-headers middleware, which trusts ``X-Forwarded-For``/``-Proto`` from the listed addresses only."""
    die_with_supervisor()
    settings = get_settings()
    app = create_app(settings)
    lines = BufferedLines(sys.stdout) if settings.access_log else None
    stats = RequestStats(api_paths_of(app))  # the request metrics (api/request_metrics.py)
    served: Any = AccessLog(app, lines, stats=stats, write_lines=settings.access_log)
    trusted = os.environ.get(FORWARDED_ALLOW_IPS_ENV)
    if trusted is not None:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        served = ProxyHeadersMiddleware(served, trusted_hosts=trusted)
    return served


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> Litestar:
    """Build the app. The database must already be migrated (``flashpanel serve`` does it)."""
    settings = settings or get_settings()
    if run_worker is None:
        run_worker = settings.run_worker

    def on_startup(app: Litestar) -> None:
        start(app, settings, run_worker=bool(run_worker))

    api_v1 = Router(
        path="/api/v1",
        route_handlers=[*wallet_v1.routes, *smm_v1.routes, *otp_v1.routes, *accounts_v1.routes],
    )
    site = WebSite(
        settings=settings,
        secret=open_secret_box(settings.secret_key_file).derive_key("web"),
        customer_sessions=customer_session_policy(settings),
    )
    app = Litestar(
        route_handlers=[
            api_v1,
            *apiv2_routes,
            healthz,
            docs_router(),
            *web_routers(site),
            *payment_webhooks,
            admin_router(site),
        ],
        # API paths keep the JSON envelope; every other path (the web panel) gets an HTML page.
        exception_handlers={kind: for_path(handler) for kind, handler in EXCEPTION_HANDLERS.items()},
        on_startup=[on_startup],
        on_shutdown=[stop],
        # Litestar refuses a longer body with 413 when a handler reads it (api/params.py words the answer).
        request_max_body_size=settings.max_body_bytes,
        openapi_config=None,  # /docs serves flashpanel's own document (api/openapi.py, web/docs.py)
        template_config=template_config(settings, [ADMIN_TEMPLATES]),
        debug=False,
    )
    app.state.web = site
    app.state.admin = admin_site(settings)
    return app
