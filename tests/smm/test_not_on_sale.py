"""An SMM service is sold only through a provider that takes new orders: never without a provider, the
built-in simulator's only while FLASHPANEL_SIMULATORS is on, a disabled provider's never. Each refusal is
the usual 422 with nothing charged, on /api/v1 and /api/v2; orders placed before a provider was disabled
run to the end. The simulators are off in this module, as on a live panel."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from flashpanel.config import Settings
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database
from flashpanel.errors import RuleViolation
from flashpanel.providers import registry
from flashpanel.providers import service as providers
from flashpanel.providers.simulator_smm import SimulatedSmmProvider
from flashpanel.smm import service
from flashpanel.smm.worker import submit_pending, sync_statuses
from tests.helpers import assert_error, state_of
from tests.smm.support import Clock, balance_of, ledger_rows, make_due, order_row

LINK = "https://example.com/p"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"simulators": False})


async def _listed(app: Litestar, client: httpx.AsyncClient, key: str) -> tuple[set[int], set[int]]:
    """The service ids /api/v1 and /api/v2 list (/api/v1's catalog cache, up to 3 s, is dropped first)."""
    state_of(app).smm_catalog.clear()
    v1 = (await client.get("/api/v1/smm/services", params={"key": key})).json()["data"]
    v2 = (await client.post("/api/v2", data={"key": key, "action": "services"})).json()
    return {s["service_id"] for s in v1}, {s["service"] for s in v2}


async def _assert_refused(client: httpx.AsyncClient, db: Database, key: str, service_id: int) -> None:
    """Refused on both APIs with the usual message; no order written, nothing charged."""
    before = balance_of(db, key)
    orders = db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_orders"))
    v1 = await client.post(
        "/api/v1/smm/order", data={"key": key, "service": service_id, "link": LINK, "quantity": 1000}
    )
    assert_error(v1, 422, f"Unknown or disabled service: {service_id}")
    v2 = await client.post(
        "/api/v2", data={"key": key, "action": "add", "service": service_id, "link": LINK, "quantity": 1000}
    )
    assert v2.json() == {"error": f"Unknown or disabled service: {service_id}"}
    assert balance_of(db, key) == before
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_orders")) == orders


def _real_provider(app: Litestar, db: Database, clock: Clock) -> SimulatedSmmProvider:
    """A provider row named "up", fulfilled in this process by a simulator on the test's clock."""
    state = state_of(app)
    info = db.write_sync(
        providers.add_provider, secrets=state.secrets, name="up", kind="smm-v2", url="https://up.example/api/v2",
        api_key="k",
    )  # fmt: skip
    upstream = SimulatedSmmProvider(state.settings, clock=clock)
    registry.install_smm_provider(state, info.id, upstream)
    return upstream


async def test_a_simulator_service_is_neither_listed_nor_sold_while_simulators_are_off(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    simulated = add_service(name="Simulated", provider="simulator")
    assert await _listed(app, client, key) == (set(), set())
    await _assert_refused(client, db, key, simulated)


def test_a_simulator_service_is_sold_while_simulators_are_on(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="1000")
    simulated = add_service(name="Simulated", provider="simulator")
    assert [s["service_id"] for s in db.read_sync(service.active_services, simulators=True)] == [simulated]
    placed = db.write_sync(
        service.place_order, key_digest=key_digest(key), service_id=simulated, link=LINK, quantity=1000, simulators=True
    )
    assert placed["status"] == "pending"


async def test_a_service_without_a_provider_is_never_listed_or_sold_whatever_the_setting(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    unbound = add_service(name="Unbound", provider=None)
    assert await _listed(app, client, key) == (set(), set())
    await _assert_refused(client, db, key, unbound)
    assert db.read_sync(service.active_services, simulators=True) == []
    with pytest.raises(RuleViolation, match=f"Unknown or disabled service: {unbound}"):
        db.write_sync(
            service.place_order,
            key_digest=key_digest(key),
            service_id=unbound,
            link=LINK,
            quantity=1000,
            simulators=True,
        )


async def test_a_disabled_providers_services_leave_the_catalogs_and_its_placed_orders_still_complete(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    clock = Clock()
    _real_provider(app, db, clock)
    key = make_customer(balance="10000")
    sold = add_service(name="Sold", provider="up")
    assert await _listed(app, client, key) == ({sold}, {sold})
    response = await client.post(
        "/api/v1/smm/order", data={"key": key, "service": sold, "link": LINK, "quantity": 1000}
    )
    order_id = response.json()["data"]["order_id"]  # placed while the provider took orders: 500.00

    db.write_sync(providers.set_active, name="up", active=False)
    assert await _listed(app, client, key) == (set(), set())
    await _assert_refused(client, db, key, sold)

    state = state_of(app)
    await submit_pending(state)  # accepted before the disable: handed to the provider all the same
    assert order_row(db, order_id)["status"] == "processing"
    clock.advance(61)
    make_due(db)
    await sync_statuses(state)
    row = order_row(db, order_id)
    assert (row["status"], row["last_error"]) == ("completed", None)
    assert ledger_rows(db, order_id) == [("charge", -50000)]

    db.write_sync(providers.set_active, name="up", active=True)
    assert await _listed(app, client, key) == ({sold}, {sold})
