"""Fake upstreams served over real HTTP on 127.0.0.1, one per test, and adapters pointed at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flashpanel.providers.fakes import Clock, FakeSmmPanel, FakeSmsActivate, running_fake
from flashpanel.providers.fakes.server import Switchboard
from flashpanel.providers.smm_v2 import SmmV2Provider
from flashpanel.providers.sms_activate import SmsActivateProvider


@pytest.fixture(scope="session")
def fake_host() -> Iterator[tuple[Switchboard, str]]:
    """One real HTTP server on 127.0.0.1 for the session; each test plugs its own fake in."""
    switchboard = Switchboard()
    with running_fake(switchboard) as base_url:
        yield switchboard, base_url


@pytest.fixture
def clock() -> Clock:
    return Clock(frozen_at=1_800_000_000.0)


@pytest.fixture
def panel(clock: Clock) -> FakeSmmPanel:
    return FakeSmmPanel(clock=clock)


@pytest.fixture
def panel_url(panel: FakeSmmPanel, fake_host: tuple[Switchboard, str]) -> Iterator[str]:
    switchboard, base_url = fake_host
    switchboard.plug("/smm/", panel)
    yield f"{base_url}/smm/api/v2"
    switchboard.unplug("/smm/")


@pytest.fixture
def smm(panel: FakeSmmPanel, panel_url: str) -> SmmV2Provider:
    return SmmV2Provider(panel_url, panel.api_key, timeout=5)


@pytest.fixture
def sms_fake(clock: Clock) -> FakeSmsActivate:
    return FakeSmsActivate(clock=clock)


@pytest.fixture
def sms_url(sms_fake: FakeSmsActivate, fake_host: tuple[Switchboard, str]) -> Iterator[str]:
    switchboard, base_url = fake_host
    switchboard.plug("/sms/", sms_fake)
    yield f"{base_url}/sms/stubs/handler_api.php"
    switchboard.unplug("/sms/")


@pytest.fixture
def sms(sms_fake: FakeSmsActivate, sms_url: str, clock: Clock) -> SmsActivateProvider:
    return SmsActivateProvider(sms_url, sms_fake.api_key, currency="USD", timeout=5, clock=clock)
