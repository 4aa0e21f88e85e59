"""GET /otp/countries and /otp/services: the spec's shapes, errors, and availability that never waits long."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

from flashpanel.providers.simulator_otp import SimulatedNumberProvider
from tests.helpers import assert_error
from tests.otp.conftest import Catalog, FakeNumbers, buy


async def test_countries_lists_active_countries_in_the_spec_shape(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog
) -> None:
    response = await client.get("/api/v1/otp/countries", params={"key": make_customer()})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": [
            {"id": cat.us, "name": "United States", "code": "US"},
            {"id": cat.gb, "name": "United Kingdom", "code": "GB"},
        ],
    }
    assert response.headers["X-RateLimit-Limit"] == "30"


async def test_countries_without_a_key_is_401(client: httpx.AsyncClient, cat: Catalog) -> None:
    assert_error(await client.get("/api/v1/otp/countries"), 401, "Invalid API key")


async def test_services_lists_active_services_with_price_and_simulator_availability(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, sim: SimulatedNumberProvider
) -> None:
    sim.set_stock(upstream_country="US", upstream_service="mail", count=7)
    response = await client.get("/api/v1/otp/services", params={"key": make_customer(), "country": cat.us})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": [
            {"service_id": cat.chat, "name": "Chat", "code": "chat", "price": "350.00", "available": 100},
            {"service_id": cat.mail, "name": "Mail", "code": "mail", "price": "120.50", "available": 7},
        ],
    }


async def test_services_available_goes_down_after_a_purchase(
    client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog, sim: SimulatedNumberProvider
) -> None:
    key = make_customer(balance="1000")
    params: dict[str, str | int] = {"key": key, "country": cat.gb}
    assert (await client.get("/api/v1/otp/services", params=params)).json()["data"][0]["available"] == 100
    assert (await buy(client, key, cat.gb, cat.gb_chat)).status_code == 200
    assert (await client.get("/api/v1/otp/services", params=params)).json()["data"][0]["available"] == 99


async def test_services_errors(client: httpx.AsyncClient, make_customer: Callable[..., str], cat: Catalog) -> None:
    key = make_customer()
    assert_error(await client.get("/api/v1/otp/services", params={"key": key}), 400, "country")
    assert_error(await client.get("/api/v1/otp/services", params={"key": key, "country": "abc"}), 400, "country")
    assert_error(await client.get("/api/v1/otp/services", params={"key": key, "country": 999}), 404, "country")
    assert_error(await client.get("/api/v1/otp/services", params={"key": key, "country": cat.hidden}), 404)


async def test_services_answer_at_once_when_a_provider_is_slow_then_show_its_figure(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
) -> None:
    gate = asyncio.Event()
    map_fakes(FakeNumbers("slow", stock=42, delay=gate))
    params: dict[str, str | int] = {"key": make_customer(), "country": cat.us}
    started = time.monotonic()
    first = await client.get("/api/v1/otp/services", params=params)
    assert time.monotonic() - started < 2
    assert first.json()["data"][0]["available"] == 0  # not known yet: never block on the upstream
    gate.set()
    for _ in range(20):  # let the background refresh finish (loop turns, not wall-clock time)
        await asyncio.sleep(0)
    second = await client.get("/api/v1/otp/services", params=params)
    assert second.json()["data"][0]["available"] == 42
