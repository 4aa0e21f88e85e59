"""The built-in number provider: a fictional pool that shrinks and refills, and a code after a delay."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flashpanel.config import Settings
from flashpanel.providers.base import NoNumbersAvailable, NumberProvider, ProviderError
from flashpanel.providers.simulator_otp import SimulatedNumberProvider


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(tmp_path: Path, clock: Clock) -> SimulatedNumberProvider:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", simulator_sms_delay_seconds=20)
    return SimulatedNumberProvider(settings, clock=clock)


def test_it_implements_the_number_provider_protocol(sim: SimulatedNumberProvider) -> None:
    provider: NumberProvider = sim
    assert provider is sim


async def test_numbers_come_from_the_fictional_range_and_the_pool_is_per_country_and_service(
    sim: SimulatedNumberProvider,
) -> None:
    activation = await sim.buy_number(upstream_country="US", upstream_service="wa")
    assert re.fullmatch(r"\+120255501\d\d", activation.phone_number)
    assert await sim.available(upstream_country="US", upstream_service="wa") == 99
    assert await sim.available(upstream_country="US", upstream_service="tg") == 100
    assert await sim.available(upstream_country="GB", upstream_service="wa") == 100


async def test_a_cancel_gives_the_number_back_and_a_finish_does_not(sim: SimulatedNumberProvider) -> None:
    kept = await sim.buy_number(upstream_country="US", upstream_service="wa")
    returned = await sim.buy_number(upstream_country="US", upstream_service="wa")
    assert kept.phone_number != returned.phone_number
    await sim.finish(kept.activation_id)
    await sim.cancel(returned.activation_id)
    await sim.cancel(returned.activation_id)  # twice changes nothing
    assert await sim.available(upstream_country="US", upstream_service="wa") == 99
    assert (await sim.check_sms(returned.activation_id)).state == "cancelled"


async def test_the_code_arrives_after_the_configured_delay(sim: SimulatedNumberProvider, clock: Clock) -> None:
    activation = await sim.buy_number(upstream_country="US", upstream_service="wa")
    clock.t += 19.9
    assert (await sim.check_sms(activation.activation_id)).state == "waiting"
    clock.t += 0.1
    sms = await sim.check_sms(activation.activation_id)
    assert sms.state == "received" and sms.code is not None and re.fullmatch(r"\d{6}", sms.code)


async def test_an_empty_pool_has_no_numbers(sim: SimulatedNumberProvider) -> None:
    sim.set_stock(upstream_country="US", upstream_service="wa", count=1)
    await sim.buy_number(upstream_country="US", upstream_service="wa")
    with pytest.raises(NoNumbersAvailable):
        await sim.buy_number(upstream_country="US", upstream_service="wa")


async def test_an_unknown_activation_is_a_provider_error(sim: SimulatedNumberProvider) -> None:
    with pytest.raises(ProviderError):
        await sim.check_sms("nope")
