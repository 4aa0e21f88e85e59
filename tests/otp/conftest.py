"""OTP fixtures: a small catalog, a simulator with a hand-driven clock, and fake providers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar

from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database, now
from flashpanel.otp import catalog
from flashpanel.providers import registry
from flashpanel.providers.base import Activation, NoNumbersAvailable, Quote, SmsState
from flashpanel.providers.simulator_otp import SimulatedNumberProvider
from flashpanel.state import AppState
from tests.helpers import state_of


class Clock:
    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Catalog:
    us: int  # United States, id
    gb: int
    hidden: int  # an inactive country
    chat: int  # US "Chat" 350.00
    mail: int  # US "Mail" 120.50
    gb_chat: int  # GB "Chat" 200.00


def _seed(conn: Conn) -> Catalog:
    """Every service is sold by the built-in simulator under its own codes (the OTP tests turn it on)."""
    us = catalog.add_country(conn, name="United States", code="US")
    gb = catalog.add_country(conn, name="United Kingdom", code="GB")
    hidden = catalog.add_country(conn, name="Hiddenland", code="HL")
    conn.execute("UPDATE otp_countries SET active = ? WHERE id = ?", (False, hidden))
    chat = catalog.add_service(conn, country="US", name="Chat", code="chat", price=Decimal("350.00"))
    mail = catalog.add_service(conn, country="US", name="Mail", code="mail", price=Decimal("120.50"))
    off = catalog.add_service(conn, country="US", name="Retired", code="old", price=Decimal("1"))
    catalog.update_service(conn, service_id=off, active=False)
    gb_chat = catalog.add_service(conn, country="GB", name="Chat", code="chat", price=Decimal("200"))
    for service_id, country, code in (
        (chat, "US", "chat"),
        (mail, "US", "mail"),
        (off, "US", "old"),
        (gb_chat, "GB", "chat"),
    ):
        catalog.map_provider(
            conn,
            service_id=service_id,
            provider="simulator",
            upstream_country=country,
            upstream_service=code,
            priority=0,
        )
    return Catalog(us, gb, hidden, chat, mail, gb_chat)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The OTP tests sell through the built-in simulator (the catalog maps it): simulators on."""
    return settings.model_copy(update={"simulators": True})


@pytest.fixture
def cat(db: Database) -> Catalog:
    return db.write_sync(_seed)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(client: httpx.AsyncClient, app: Litestar, settings: Settings, clock: Clock) -> SimulatedNumberProvider:
    """The process's simulator, with the test's clock (SMS arrives 20 s of that clock after purchase)."""
    provider = SimulatedNumberProvider(settings, clock=clock)
    registry.install_number_provider(state_of(app), registry.SIMULATOR, provider)
    return provider


@pytest.fixture
def state(client: httpx.AsyncClient, app: Litestar) -> AppState:
    return state_of(app)


@dataclass
class FakeNumbers:
    """An in-process NumberProvider with knobs."""

    prefix: str
    stock: int = 10
    error: Exception | None = None
    cancel_error: Exception | None = None
    phone: str | None = None  # the number it sells, as it spells it (default: +1555010N)
    expires_at: float | None = None
    delay: asyncio.Event | None = None  # when set, available() waits for it
    sms: dict[str, SmsState] = field(default_factory=dict)
    bought: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    on_buy: Callable[[], None] | None = None
    cost: Decimal | None = None  # its price of a number, as quote() tells it
    quote_error: Exception | None = None

    async def buy_number(self, *, upstream_country: str, upstream_service: str) -> Activation:
        if self.on_buy:
            await asyncio.to_thread(self.on_buy)
        if self.error:
            raise self.error
        if self.stock <= 0:
            raise NoNumbersAvailable()
        self.stock -= 1
        activation_id = f"{self.prefix}-{len(self.bought) + 1}"
        self.bought.append(activation_id)
        self.sms[activation_id] = SmsState("waiting")
        phone = self.phone or f"+1555010{len(self.bought)}"
        return Activation(activation_id, phone, expires_at=self.expires_at)

    async def check_sms(self, activation_id: str) -> SmsState:
        return self.sms[activation_id]

    async def cancel(self, activation_id: str) -> None:
        if self.cancel_error:
            raise self.cancel_error
        self.cancelled.append(activation_id)
        self.stock += 1

    async def finish(self, activation_id: str) -> None:
        self.finished.append(activation_id)

    async def available(self, *, upstream_country: str, upstream_service: str) -> int:
        if self.delay is not None:
            await self.delay.wait()
        return self.stock

    async def quote(self, *, upstream_country: str, upstream_service: str) -> Quote:
        if self.quote_error:
            raise self.quote_error
        return Quote(count=self.stock, cost=self.cost)


def add_provider(conn: Conn, *, name: str) -> int:
    row = conn.one(
        "INSERT INTO providers (name, kind, url, active, created_at) VALUES (?, 'sms-activate', ?, ?, ?) RETURNING id",
        (name, "http://127.0.0.1:9/stubs/handler_api.php", True, now()),
    )
    assert row is not None
    return int(row["id"])


@pytest.fixture
def map_fakes(db: Database, state: AppState, cat: Catalog) -> Callable[..., list[FakeNumbers]]:
    """Map fake providers to US Chat, in place of the simulator, in the given order of priority and plug them
    into the registry."""

    def make(*fakes: FakeNumbers) -> list[FakeNumbers]:
        db.write_sync(catalog.unmap_provider, service_id=cat.chat, provider="simulator")
        for priority, fake in enumerate(fakes, start=1):
            provider_id = db.write_sync(add_provider, name=fake.prefix)
            db.write_sync(
                catalog.map_provider,
                service_id=cat.chat,
                provider=fake.prefix,
                upstream_country="187",
                upstream_service="ch",
                priority=priority,
            )
            registry.install_number_provider(state, provider_id, fake)
        return list(fakes)

    return make


def balance(db: Database, key: str) -> int:
    from flashpanel.customers.keys import key_digest

    return int(
        db.read_sync(
            lambda c: c.scalar("SELECT balance_cents FROM customers WHERE api_key_digest = ?", (key_digest(key),))
        )
    )


def ledger_rows(db: Database, order_id: int) -> list[tuple[str, int]]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT kind, amount_cents FROM ledger_entries WHERE order_kind = 'otp' AND order_id = ? ORDER BY id",
            (order_id,),
        )
    )
    return [(r["kind"], int(r["amount_cents"])) for r in rows]


def order_row(db: Database, order_id: int) -> dict[str, Any]:
    row = db.read_sync(lambda c: c.one("SELECT * FROM otp_orders WHERE id = ?", (order_id,)))
    assert row is not None
    return dict(row)


async def buy(client: httpx.AsyncClient, key: str, country: int, service: int) -> httpx.Response:
    return await client.post("/api/v1/otp/purchase", params={"key": key}, json={"country": country, "service": service})
