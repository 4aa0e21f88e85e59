"""The catalog-sync loop and the registry wiring of the adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from flashpanel.api.ratelimit import RateLimits
from flashpanel.app import assemble_state
from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.db.runner import Database
from flashpanel.providers import catalog_sync, registry, service
from flashpanel.providers.base import ProviderError
from flashpanel.providers.fakes import FakeSmmPanel, FakeSmsActivate
from flashpanel.providers.sale import simulator_id
from flashpanel.providers.smm_v2 import SmmV2Provider
from flashpanel.providers.sms_activate import SmsActivateProvider
from flashpanel.providers.worker import LOOPS, sync_catalogs
from flashpanel.state import AppState


@pytest.fixture
async def state(settings: Settings, db: Database) -> AsyncIterator[AppState]:
    limits = RateLimits(settings)  # the catalog loop never rate-limits, but a state has its limits
    yield assemble_state(settings, db=db, limits=limits, secrets=open_secret_box(settings.secret_key_file))
    await limits.close()


def _add(state: AppState, *, name: str, kind: str, url: str, key: str) -> int:
    info = state.db.write_sync(service.add_provider, secrets=state.secrets, name=name, kind=kind, url=url, api_key=key)
    return info.id


async def test_the_registry_builds_adapters_for_provider_rows(
    state: AppState, panel: FakeSmmPanel, panel_url: str, sms_fake: FakeSmsActivate, sms_url: str
) -> None:
    smm_id = _add(state, name="jap", kind="smm-v2", url=panel_url, key=panel.api_key)
    sms_id = _add(state, name="hero", kind="sms-activate", url=sms_url, key=sms_fake.api_key)
    smm = await registry.smm_provider(state, smm_id)
    numbers = await registry.number_provider(state, sms_id)
    assert isinstance(smm, SmmV2Provider) and isinstance(numbers, SmsActivateProvider)
    submitted = await smm.submit(upstream_service="1", link="https://x.test/p", quantity=50)
    assert (await smm.fetch_progress([submitted.upstream_order_id]))[submitted.upstream_order_id]
    activation = await numbers.buy_number(upstream_country="0", upstream_service="tg")
    assert (await numbers.check_sms(activation.activation_id)).state == "waiting"


async def test_a_changed_provider_reaches_every_process_within_the_refresh_time(
    state: AppState, panel: FakeSmmPanel, panel_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(registry, "monotonic", lambda: clock[0])
    provider_id = _add(state, name="jap", kind="smm-v2", url=panel_url, key=panel.api_key)
    first = await registry.smm_provider(state, provider_id)
    state.db.write_sync(service.update_provider, secrets=state.secrets, name="jap", url=panel_url + "?v=2")
    clock[0] += registry.REFRESH_SECONDS - 1
    assert await registry.smm_provider(state, provider_id) is first  # cached: no read per order
    clock[0] += 1
    second = await registry.smm_provider(state, provider_id)
    assert isinstance(second, SmmV2Provider) and second.url == panel_url + "?v=2"


async def test_a_disabled_provider_still_serves_the_orders_already_placed(
    state: AppState, panel: FakeSmmPanel, panel_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(registry, "monotonic", lambda: clock[0])
    provider_id = _add(state, name="jap", kind="smm-v2", url=panel_url, key=panel.api_key)
    state.db.write_sync(service.set_active, name="jap", active=False)
    clock[0] += registry.REFRESH_SECONDS
    provider = await registry.smm_provider(state, provider_id)  # new orders are refused by the catalog, not here
    submitted = await provider.submit(upstream_service="1", link="https://x.test/p", quantity=50)
    assert (await provider.fetch_progress([submitted.upstream_order_id]))[submitted.upstream_order_id]


async def test_no_provider_is_a_terminal_error(state: AppState) -> None:
    for lookup in (registry.smm_provider, registry.number_provider):
        with pytest.raises(ProviderError) as raised:
            await lookup(state, None)
        assert raised.value.token == "NO_PROVIDER" and not raised.value.retryable


async def test_every_simulator_row_is_the_one_simulator_kept_for_the_process_life(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(registry, "monotonic", lambda: clock[0])
    simulator = state.db.write_sync(simulator_id)
    numbers = await registry.number_provider(state, simulator)
    clock[0] += 10 * registry.REFRESH_SECONDS
    assert await registry.number_provider(state, simulator) is numbers  # its number pools live in it
    other = state.db.write_sync(
        lambda c: c.scalar(
            "INSERT INTO providers (name, kind, active, created_at) VALUES ('sim2', 'simulator', ?, 0) RETURNING id",
            (True,),
        )
    )
    assert await registry.number_provider(state, int(other)) is numbers


async def test_catalog_sync_loop_follows_the_upstream(state: AppState, panel: FakeSmmPanel, panel_url: str) -> None:
    provider_id = _add(state, name="jap", kind="smm-v2", url=panel_url, key=panel.api_key)
    assert await sync_catalogs(state) == 0  # nothing imported yet: nothing to sync
    services = (await SmmV2Provider(panel_url, panel.api_key).services()).services
    await state.db.write(catalog_sync.import_services, provider_id=provider_id, exchange_rate=Decimal(1),
                         services=services, markup_percent=Decimal(0))  # fmt: skip
    panel.configure(services=[dict(panel.services[0], rate="1.80"), panel.services[1]])  # 1 dearer, 3 gone
    assert [loop.name for loop in LOOPS] == ["catalog-sync"]
    assert await LOOPS[0].run_once(state) == 1
    assert await LOOPS[0].run_once(state) == 0  # not due again for an hour
    rows = await state.db.read(lambda c: c.all("SELECT * FROM smm_services ORDER BY upstream_service"))
    by_id = {r["upstream_service"]: r for r in rows}
    assert by_id["1"]["cost_rate"] == "1.8" and by_id["1"]["rate_cents"] == 180
    assert not by_id["3"]["active"] and by_id["2"]["active"]


async def test_catalog_sync_survives_an_unreachable_upstream(
    state: AppState, panel: FakeSmmPanel, panel_url: str
) -> None:
    provider_id = _add(state, name="jap", kind="smm-v2", url=panel_url, key=panel.api_key)
    services = (await SmmV2Provider(panel_url, panel.api_key).services()).services
    await state.db.write(catalog_sync.import_services, provider_id=provider_id, exchange_rate=Decimal(1),
                         services=services, markup_percent=Decimal(0))  # fmt: skip
    panel.fail_next("500", action="services")
    assert await sync_catalogs(state) == 0
    rows = await state.db.read(lambda c: c.all("SELECT active FROM smm_services"))
    assert all(r["active"] for r in rows)  # a failed fetch disables nothing
    assert await sync_catalogs(state, force=True) == 1
