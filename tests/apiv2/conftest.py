"""Fixtures for the v2 protocol: an app with ``/api/v2`` registered, a catalog, and a scriptable provider."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import redis
from litestar import Litestar

from flashpanel.apiv2.routes import routes as v2_routes
from flashpanel.app import create_app, start, stop
from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database, now
from flashpanel.providers import registry
from flashpanel.providers.base import ProviderError, SmmProgress, SmmStatus, SmmSubmission
from flashpanel.providers.sale import simulator_id
from flashpanel.state import AppState
from tests.conftest import REDIS_URL
from tests.helpers import asgi_transport


@pytest.fixture
def v2_settings(settings: Settings) -> Settings:
    # Tests place many orders; the limits themselves are /api/v1's and tested there (and once here). The
    # services of `add_service` are the built-in simulator's unless a test binds them elsewhere: simulators on.
    return settings.model_copy(
        update={
            "rate_limit_orders": "1000/minute",
            "rate_limit_status": "1000/minute",
            "simulator_smm_seconds": 0,
            "simulators": True,
        }
    )


def build_v2_app(settings: Settings) -> Litestar:
    """The app as ``create_app`` builds it, with ``/api/v2`` registered unless app.py already mounts it."""
    app = create_app(settings, run_worker=False)
    if not any(route.path == "/api/v2" for route in app.routes):
        for handler in v2_routes:
            app.register(handler)
    return app


@pytest.fixture
def v2_app(v2_settings: Settings) -> Litestar:
    app = build_v2_app(v2_settings)
    app.state.test_settings = v2_settings
    return app


@pytest.fixture
async def v2(v2_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Real HTTP requests to the app (start-up and shutdown included), in the test's own event loop."""
    if REDIS_URL:
        redis.Redis.from_url(REDIS_URL).flushdb()
    transport = asgi_transport(v2_app, client=("127.0.0.1", 50000))
    start(v2_app, v2_app.state.test_settings, run_worker=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await stop(v2_app)


def state(app: Litestar) -> AppState:
    result: AppState = app.state.fp
    return result


# -- catalog ----------------------------------------------------------------------------------------
def _insert_provider(conn: Conn, *, name: str, kind: str, url: str | None = None) -> int:
    row = conn.one(
        "INSERT INTO providers (name, kind, url, exchange_rate, active, created_at) VALUES (?, ?, ?, '1', ?, ?) "
        "RETURNING id",
        (name, kind, url, True, now()),
    )
    assert row is not None
    return int(row["id"])


def _insert_service(
    conn: Conn,
    *,
    name: str,
    rate_cents: int,
    low: int,
    high: int,
    refill: bool,
    cancel: bool,
    dripfeed: bool,
    provider_id: int | None,
    upstream_service: str | None,
    category: str,
) -> int:
    provider_id = simulator_id(conn) if provider_id is None else provider_id
    row = conn.one(
        "INSERT INTO smm_services (name, category, type, rate_cents, min_quantity, max_quantity, description, active, "
        "provider_id, upstream_service, refill, cancel, dripfeed, created_at) "
        "VALUES (?, ?, 'Default', ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (name, category, rate_cents, low, high, True, provider_id, upstream_service, refill, cancel, dripfeed, now()),
    )
    assert row is not None
    return int(row["id"])


@pytest.fixture
def add_provider(db: Database) -> Callable[..., int]:
    def add(name: str = "scripted", *, kind: str = "scripted", url: str | None = None) -> int:
        return db.write_sync(_insert_provider, name=name, kind=kind, url=url)

    return add


@pytest.fixture
def add_service(db: Database) -> Callable[..., int]:
    """``add_service(rate_cents=50000, refill=True)``: an active service; rate per 1000 in cents. Without
    ``provider_id`` it is bound to the built-in simulator."""
    counter = iter(range(1, 1_000_000))

    def add(
        name: str | None = None,
        *,
        rate_cents: int = 50000,
        low: int = 100,
        high: int = 10000,
        refill: bool = False,
        cancel: bool = False,
        dripfeed: bool = False,
        provider_id: int | None = None,
        upstream_service: str | None = None,
        category: str = "Test",
    ) -> int:
        return db.write_sync(
            _insert_service,
            name=name or f"service-{next(counter)}",
            rate_cents=rate_cents,
            low=low,
            high=high,
            refill=refill,
            cancel=cancel,
            dripfeed=dripfeed,
            provider_id=provider_id,
            upstream_service=upstream_service,
            category=category,
        )

    return add


# -- a provider the test scripts --------------------------------------------------------------------
@dataclass
class ScriptedProvider:
    """An in-memory upstream with refill and cancel: tests set each order's answer by hand."""

    orders: dict[str, SmmProgress] = field(default_factory=dict)
    submitted: list[dict[str, Any]] = field(default_factory=list)
    cancel_requests: list[str] = field(default_factory=list)
    refills: dict[str, str] = field(default_factory=dict)  # upstream refill id -> upstream status word
    refill_requests: list[str] = field(default_factory=list)
    refuse_cancels: bool = False
    # Raised by the next refill requests, one per request, before refills are accepted again.
    refill_errors: list[ProviderError] = field(default_factory=list)

    async def submit(
        self, *, upstream_service: str, link: str, quantity: int, runs: int | None = None, interval: int | None = None
    ) -> SmmSubmission:
        upstream_id = f"up-{len(self.submitted) + 1}"
        self.submitted.append({"service": upstream_service, "link": link, "quantity": quantity, "runs": runs})
        self.orders[upstream_id] = SmmProgress(status="processing", remains=quantity)
        return SmmSubmission(upstream_order_id=upstream_id)

    async def fetch_progress(self, upstream_order_ids: Sequence[str]) -> dict[str, SmmProgress | ProviderError]:
        return {
            i: self.orders.get(i) or ProviderError("Incorrect order ID", retryable=False) for i in upstream_order_ids
        }

    def finish(self, upstream_id: str, status: SmmStatus, remains: int = 0) -> None:
        self.orders[upstream_id] = SmmProgress(status=status, start_count=10, remains=remains)

    async def cancel(self, upstream_order_ids: Sequence[str]) -> dict[str, bool | ProviderError]:
        self.cancel_requests.extend(upstream_order_ids)
        if self.refuse_cancels:
            return {i: ProviderError("Order is not cancelable", retryable=False) for i in upstream_order_ids}
        return dict.fromkeys(upstream_order_ids, True)

    async def refill(self, upstream_order_id: str) -> str:
        self.refill_requests.append(upstream_order_id)
        if self.refill_errors:
            raise self.refill_errors.pop(0)
        refill_id = f"rf-{len(self.refill_requests)}"
        self.refills[refill_id] = "Pending"
        return refill_id

    async def refill_status(self, refill_ids: Sequence[str]) -> dict[str, str | ProviderError]:
        return {
            i: self.refills[i] if i in self.refills else ProviderError("Refill not found", retryable=False)
            for i in refill_ids
        }


@pytest.fixture
def scripted(v2_app: Litestar, add_provider: Callable[..., int]) -> Callable[[], tuple[int, ScriptedProvider]]:
    """Install a :class:`ScriptedProvider` as a provider row; call after the client started the app."""

    def install() -> tuple[int, ScriptedProvider]:
        provider_id = add_provider()
        provider = ScriptedProvider()
        registry.install_smm_provider(state(v2_app), provider_id, provider)
        return provider_id, provider

    return install
