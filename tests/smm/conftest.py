"""Fixtures for the SMM tests: a small catalog, and a simulator whose clock the test moves."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar

from flashpanel.config import Settings
from flashpanel.db.runner import Database
from flashpanel.providers import registry
from flashpanel.providers.simulator_smm import SimulatedSmmProvider
from flashpanel.smm import catalog
from tests.helpers import state_of
from tests.smm.support import Clock


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The SMM tests sell through the built-in simulator (``add_service``): simulators on."""
    return settings.model_copy(update={"simulators": True})


@pytest.fixture
def add_service(db: Database) -> Callable[..., int]:
    """``add_service(rate="500.00", min_quantity=100, max_quantity=10000, name=..., category=...)`` → id,
    bound to the built-in simulator unless ``provider`` says otherwise (``provider=None``: no provider)."""

    def add(**overrides: Any) -> int:
        fields: dict[str, Any] = {
            "name": "Test Followers",
            "category": "Test Social",
            "rate": Decimal("500.00"),
            "min_quantity": 100,
            "max_quantity": 10000,
            "description": "Followers for tests",
            "provider": "simulator",
        }
        fields.update(overrides)
        fields["rate"] = Decimal(str(fields["rate"]))
        return db.write_sync(catalog.add_service, spec=catalog.ServiceInput(**fields))

    return add


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def simulator(app: Litestar, client: httpx.AsyncClient, settings: Settings, clock: Clock) -> SimulatedSmmProvider:
    """The built-in simulator (60 s per order) on the test's clock, installed as the default provider."""
    provider = SimulatedSmmProvider(settings, clock=clock)
    registry.install_smm_provider(state_of(app), registry.SIMULATOR, provider)
    return provider
