"""Fixtures for the ordering pages: the demo catalog on sale (simulators on) and a logged-in customer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.customers import service as customers
from flashpanel.db.runner import Database
from flashpanel.demo import seed_catalog
from tests.web.support import sign_up


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The demo catalog sells through the built-in simulators: on, as ``serve --demo`` has them."""
    return settings.model_copy(update={"simulators": True})


@pytest.fixture
def catalog(db: Database, settings: Settings) -> None:
    db.write_sync(seed_catalog, secrets=open_secret_box(settings.secret_key_file))


@dataclass
class Shopper:
    name: str
    key: str
    customer_id: int


@pytest.fixture
def shopper(client: httpx.AsyncClient, db: Database, catalog: None) -> Callable[..., Awaitable[Shopper]]:
    """``await shopper("ana", balance="5000")``: signed up through the form (the client is logged in), topped up."""

    async def make(name: str, *, balance: str = "0") -> Shopper:
        key = await sign_up(client, name)
        if Decimal(balance) > 0:
            db.write_sync(customers.top_up, name=name, amount=Decimal(balance), note="test top-up")
        return Shopper(name, key, db.read_sync(customers.customer_id_by_name, name=name))

    return make
