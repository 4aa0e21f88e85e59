"""An OTP service is sold only through a mapped provider that takes new orders: never without one, the
built-in simulator only while FLASHPANEL_SIMULATORS is on, a disabled provider never. A refusal is the usual
422 with the balance untouched; numbers bought before a provider was disabled still get their code. The
simulators are off in this module, as on a live panel."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import RuleViolation
from flashpanel.otp import catalog, orders
from flashpanel.otp.worker import poll_sms
from flashpanel.providers import registry
from flashpanel.providers import service as providers
from flashpanel.providers.base import SmsState
from flashpanel.state import AppState
from tests.helpers import assert_error
from tests.otp.conftest import Catalog, FakeNumbers, add_provider, balance, buy, order_row


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"simulators": False})


async def _listed(client: httpx.AsyncClient, key: str, country: int) -> set[int]:
    response = await client.get("/api/v1/otp/services", params={"key": key, "country": country})
    assert response.status_code == 200, response.text
    return {s["service_id"] for s in response.json()["data"]}


async def _assert_refused(client: httpx.AsyncClient, db: Database, key: str, country: int, service: int) -> None:
    before = balance(db, key)
    count = db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM otp_orders"))
    assert_error(await buy(client, key, country, service), 422, "Unknown service for this country")
    assert balance(db, key) == before
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM otp_orders")) == count


async def test_simulator_services_are_neither_listed_nor_sold_while_simulators_are_off(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, db: Database
) -> None:
    key = make_customer(balance="1000")
    assert await _listed(client, key, cat.us) == set()
    await _assert_refused(client, db, key, cat.us, cat.chat)


def test_simulator_services_are_sold_while_simulators_are_on(db: Database, cat: Catalog) -> None:
    offers = db.read_sync(catalog.services_of_country, country_id=cat.us, simulators=True)
    assert [o.service_id for o in offers] == [cat.chat, cat.mail]


def _pair(conn: Conn) -> tuple[int, int]:
    """A country and a service with no provider mapped."""
    country = catalog.add_country(conn, name="Testland", code="TL")
    return country, catalog.add_service(conn, country="TL", name="Chat", code="chat", price=Decimal("350"))


async def test_a_service_without_a_provider_is_never_listed_or_sold_whatever_the_setting(
    client: httpx.AsyncClient, make_customer: Callable[..., str], db: Database
) -> None:
    key = make_customer(balance="1000")
    country, unmapped = db.write_sync(_pair)
    assert await _listed(client, key, country) == set()
    await _assert_refused(client, db, key, country, unmapped)
    assert db.read_sync(catalog.services_of_country, country_id=country, simulators=True) == []
    with pytest.raises(RuleViolation, match="Unknown service for this country"):
        db.write_sync(
            orders.open_order, key_digest=key_digest(key), country_id=country, service_id=unmapped, simulators=True
        )


async def test_a_disabled_providers_services_leave_the_catalog_and_its_numbers_still_get_their_code(
    client: httpx.AsyncClient, make_customer: Callable[..., str], db: Database, state: AppState
) -> None:
    country, chat = db.write_sync(_pair)
    provider_id = db.write_sync(add_provider, name="up")
    db.write_sync(
        catalog.map_provider, service_id=chat, provider="up", upstream_country="187", upstream_service="ch", priority=0
    )
    up = FakeNumbers("up")
    registry.install_number_provider(state, provider_id, up)
    key = make_customer(balance="1000")
    assert await _listed(client, key, country) == {chat}
    bought = (await buy(client, key, country, chat)).json()["data"]  # 350.00, before the disable

    db.write_sync(providers.set_active, name="up", active=False)
    assert await _listed(client, key, country) == set()
    await _assert_refused(client, db, key, country, chat)

    up.sms[up.bought[0]] = SmsState("received", "123456")
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET next_check_at = 0"))
    assert await poll_sms(state) == 1
    row = order_row(db, bought["order_id"])
    assert (row["status"], row["sms_code"]) == ("completed", "123456")
    assert balance(db, key) == 100000 - 35000
