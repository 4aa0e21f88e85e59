"""The OTP domain, unchanged, buying through the SMS-Activate adapter from two fake upstreams over
real HTTP: the first has no numbers, the second sells one, its code arrives and is delivered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import httpx
import pytest
from litestar import Litestar

from flashpanel.db.runner import Database
from flashpanel.otp import catalog
from flashpanel.otp.worker import poll_sms
from flashpanel.providers import service
from flashpanel.providers.fakes import FakeSmsActivate, Switchboard
from tests.helpers import state_of


@pytest.fixture
def upstreams(fake_host: tuple[Switchboard, str]) -> Iterator[dict[str, tuple[FakeSmsActivate, str]]]:
    """Two number providers on the real clock (their end times must be believable)."""
    switchboard, base_url = fake_host
    fakes = {"empty": FakeSmsActivate(), "full": FakeSmsActivate(api_key="other-key")}
    fakes["empty"].set_stock("tg", "0", 0)
    for name, fake in fakes.items():
        switchboard.plug(f"/{name}/", fake)
    yield {name: (fake, f"{base_url}/{name}/stubs/handler_api.php") for name, fake in fakes.items()}
    for name in fakes:
        switchboard.unplug(f"/{name}/")


async def test_a_number_from_the_second_provider_and_its_code(
    app: Litestar, client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str],
    upstreams: dict[str, tuple[FakeSmsActivate, str]],
) -> None:  # fmt: skip
    state = state_of(app)
    for name, (fake, url) in upstreams.items():
        await db.write(service.add_provider, secrets=state.secrets, name=name, kind="sms-activate", url=url,
                       api_key=fake.api_key)  # fmt: skip
    country_id = db.write_sync(catalog.add_country, name="Russia", code="RU")
    service_id = db.write_sync(catalog.add_service, country="RU", name="Telegram", code="tg", price=Decimal("150"))
    for priority, name in enumerate(upstreams):
        db.write_sync(catalog.map_provider, service_id=service_id, provider=name, upstream_country="0",
                      upstream_service="tg", priority=priority)  # fmt: skip
    key = make_customer(balance="1000")

    bought = await client.post("/api/v1/otp/purchase", data={"key": key, "country": country_id, "service": service_id})
    assert bought.status_code == 200, bought.text
    data = bought.json()["data"]
    full, _ = upstreams["full"]
    (activation,) = full.activations.values()
    assert activation.phone.isdigit()  # SMS-Activate sends 79991234567: flashpanel answers in E.164
    assert data["phone_number"] == f"+{activation.phone}" and upstreams["empty"][0].actions["getNumberV2"] == 1
    order = db.read_sync(lambda c: c.one("SELECT * FROM otp_orders WHERE id = ?", (data["order_id"],)))
    assert order is not None and order["expires_at"] == pytest.approx(activation.ends_at)
    assert order["phone_number"] == f"+{activation.phone}"

    full.deliver_sms(activation.id, "424242")
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET next_check_at = 0"))
    await poll_sms(state)
    checked = await client.get("/api/v1/otp/check", params={"key": key, "request_id": data["request_id"]})
    assert checked.json()["data"]["status"] == "completed" and checked.json()["data"]["sms_code"] == "424242"
