"""Providers as data (keys encrypted at rest) and the SMM catalog import / sync rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.db.runner import Database
from flashpanel.errors import RuleViolation
from flashpanel.providers import catalog_sync, service
from flashpanel.providers.base import UpstreamService
from flashpanel.providers.catalog_sync import cost_floor_cents, sell_rate_cents
from flashpanel.providers.fakes import FakeSmmPanel
from flashpanel.providers.smm_v2 import SmmV2Provider


def _add(db: Database, settings: Settings, *, name: str = "jap", url: str = "https://panel.test/api/v2",
         rate: str = "1") -> service.ProviderInfo:  # fmt: skip
    return db.write_sync(
        service.add_provider,
        secrets=open_secret_box(settings.secret_key_file),
        name=name,
        kind="smm-v2",
        url=url,
        api_key="sk-live-123",
        currency="usd",
        exchange_rate=Decimal(rate),
    )


def _services(db: Database, provider_id: int) -> dict[str, dict[str, object]]:
    rows = db.read_sync(lambda c: c.all("SELECT * FROM smm_services WHERE provider_id = ? ORDER BY id", (provider_id,)))
    return {str(r["upstream_service"]): dict(r) for r in rows}


def _upstream(service_id: str, rate: str, *, min_: int = 10, max_: int = 1000, category: str = "IG") -> UpstreamService:
    return UpstreamService(service=service_id, name=f"S{service_id}", type="Default", category=category,
                           rate=Decimal(rate), min=min_, max=max_)  # fmt: skip


def test_the_key_is_encrypted_at_rest_and_never_listed(db: Database, settings: Settings) -> None:
    info = _add(db, settings)
    assert (info.kind, info.currency, info.exchange_rate, info.active) == ("smm-v2", "USD", Decimal(1), True)
    stored = db.read_sync(lambda c: c.scalar("SELECT api_key_encrypted FROM providers WHERE id = ?", (info.id,)))
    assert "sk-live-123" not in stored
    assert open_secret_box(settings.secret_key_file).decrypt(stored) == "sk-live-123"
    assert "sk-live-123" not in repr(db.read_sync(service.list_providers))


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"kind": "ftp"}, "kind"), ({"url": "panel.test"}, "url"), ({"api_key": " "}, "key"),
     ({"exchange_rate": Decimal(0)}, "exchange rate"), ({"name": ""}, "name")],
)  # fmt: skip
def test_bad_providers_are_refused(db: Database, settings: Settings, changes: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"name": "x", "kind": "sms-activate", "url": "https://h.test/stubs/handler_api.php",
                                 "api_key": "k", "exchange_rate": Decimal(1)}  # fmt: skip
    with pytest.raises(RuleViolation, match=message):
        db.write_sync(service.add_provider, secrets=open_secret_box(settings.secret_key_file), **(fields | changes))


def test_names_are_unique_and_providers_can_be_disabled(db: Database, settings: Settings) -> None:
    _add(db, settings)
    with pytest.raises(RuleViolation, match="already exists"):
        _add(db, settings)
    assert db.write_sync(service.set_active, name="jap", active=False).active is False


@pytest.mark.parametrize(
    ("cost", "exchange", "markup", "cents"),
    [
        ("0.27819", "1", "0", 28),  # rounds up to the cost, never below it
        ("0.27819", "1", "25", 35),  # 0.3477375 -> 0.35
        ("0.90", "1600", "10", 158400),  # USD -> NGN
        ("0.0001", "1", "0", 1),  # at least one cent
        ("0.274", "1", "0", 28),  # half-up would say 0.27: below cost
        ("0.2", "1", "12.5", 23),  # 0.225 -> 0.23 (half-up)
    ],
)
def test_sell_rates(cost: str, exchange: str, markup: str, cents: int) -> None:
    price = sell_rate_cents(Decimal(cost), Decimal(exchange), Decimal(markup))
    assert price == cents and price >= cost_floor_cents(Decimal(cost), Decimal(exchange))


def test_import_applies_the_markup_and_keeps_the_full_precision_cost(db: Database, settings: Settings) -> None:
    info = _add(db, settings, rate="1500")
    services = [_upstream("1", "0.27819"), _upstream("2", "1.2", category="YouTube")]
    report = db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=info.exchange_rate,
                           services=services, markup_percent=Decimal(20))  # fmt: skip
    assert (report.created, report.updated) == (2, 0)
    rows = _services(db, info.id)
    assert rows["1"]["cost_rate"] == "0.27819" and rows["1"]["rate_cents"] == 50074  # 0.27819*1500*1.2 = 500.742
    assert rows["2"]["rate_cents"] == 216000 and rows["2"]["category"] == "YouTube" and rows["2"]["active"]
    again = db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=info.exchange_rate,
                          services=services, markup_percent=Decimal(50))  # fmt: skip
    assert (again.created, again.updated) == (0, 2) and _services(db, info.id)["2"]["rate_cents"] == 270000


def test_import_skips_services_that_are_not_link_and_quantity(db: Database, settings: Settings) -> None:
    info = _add(db, settings)
    package = UpstreamService(service="9", name="Pack", type="Package", category="IG", rate=Decimal(5), min=1, max=1)
    report = db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1),
                           services=[package, _upstream("1", "1")], markup_percent=Decimal(0))  # fmt: skip
    assert (report.created, report.skipped) == (1, 1) and set(_services(db, info.id)) == {"1"}


def test_import_can_be_limited_to_one_category(db: Database, settings: Settings) -> None:
    info = _add(db, settings)
    services = [_upstream("1", "1"), _upstream("2", "1", category="YouTube")]
    db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1), services=services,
                  markup_percent=Decimal(0), category="youtube")  # fmt: skip
    assert set(_services(db, info.id)) == {"2"}


def test_sync_updates_costs_disables_vanished_and_never_sells_below_cost(db: Database, settings: Settings) -> None:
    info = _add(db, settings)
    first = [_upstream("1", "1.00"), _upstream("2", "2.00"), _upstream("3", "3.00")]
    db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1), services=first,
                  markup_percent=Decimal(10))  # fmt: skip
    # The operator lowers service 1 by hand to exactly its cost.
    db.write_sync(lambda c: c.execute("UPDATE smm_services SET rate_cents = 100 WHERE upstream_service = '1'"))
    later = [_upstream("1", "0.50", min_=20, max_=500), _upstream("2", "2.40")]  # 1 cheaper, 2 dearer, 3 gone
    report = db.write_sync(catalog_sync.sync_services, provider_id=info.id, exchange_rate=Decimal(1), services=later)
    rows = _services(db, info.id)
    assert (report.updated, report.disabled) == (2, 1)
    assert rows["1"]["rate_cents"] == 100 and rows["1"]["cost_rate"] == "0.5"  # cheaper cost: price kept
    assert (rows["1"]["min_quantity"], rows["1"]["max_quantity"]) == (20, 500)
    assert rows["2"]["rate_cents"] == 264 and report.repriced == {"2": (220, 264)}  # keeps its 10% margin
    assert rows["3"]["active"] is False or rows["3"]["active"] == 0
    assert rows["1"]["name"] == "S1"


def test_sync_does_not_re_enable_a_service(db: Database, settings: Settings) -> None:
    info = _add(db, settings)
    db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1),
                  services=[_upstream("1", "1")], markup_percent=Decimal(0))  # fmt: skip
    db.write_sync(lambda c: c.execute("UPDATE smm_services SET active = ?", (False,)))
    db.write_sync(catalog_sync.sync_services, provider_id=info.id, exchange_rate=Decimal(1),
                  services=[_upstream("1", "1")])  # fmt: skip
    assert not _services(db, info.id)["1"]["active"]


def test_negative_markup_is_refused(db: Database, settings: Settings) -> None:
    info = _add(db, settings)
    with pytest.raises(RuleViolation):
        db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1),
                      services=[_upstream("1", "1")], markup_percent=Decimal(-5))  # fmt: skip


async def test_import_straight_from_the_fake_panel(db: Database, settings: Settings, smm: SmmV2Provider,
                                                   panel: FakeSmmPanel) -> None:  # fmt: skip
    info = _add(db, settings)
    services = (await smm.services()).services
    await db.write(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1), services=services,
                   markup_percent=Decimal(100))  # fmt: skip
    rows = _services(db, info.id)
    assert {k: v["rate_cents"] for k, v in rows.items()} == {"1": 180, "2": 56, "3": 300}
    assert rows["3"]["dripfeed"] and rows["1"]["refill"] and rows["2"]["cost_rate"] == "0.27819"


@pytest.mark.parametrize("mode", ["exponent", "nan", "negative", "fractional", "overflow", "mixed"])
async def test_an_import_skips_and_reports_the_hostile_entry_and_keeps_the_rest(
    db: Database, settings: Settings, smm: SmmV2Provider, panel: FakeSmmPanel, mode: str
) -> None:
    info = _add(db, settings)
    panel.hostile(mode)
    listing = await smm.services()
    report = await db.write(
        catalog_sync.import_services,
        provider_id=info.id,
        exchange_rate=Decimal(1500),
        services=listing.services,
        rejected=listing.rejected,
        markup_percent=Decimal(20),
    )
    assert (report.created, [r.service for r in report.rejected]) == (3, ["666"])
    assert set(_services(db, info.id)) == {"1", "2", "3"}


def test_a_price_out_of_range_is_reported_and_the_rest_imported(db: Database, settings: Settings) -> None:
    info = _add(db, settings, rate="1600")
    huge = _upstream("2", "9000000000000000000")  # in bounds as a number, but 1.4e25 cents per 1000
    report = db.write_sync(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1600),
                           services=[_upstream("1", "1"), huge], markup_percent=Decimal(0))  # fmt: skip
    assert report.created == 1 and [r.service for r in report.rejected] == ["2"]
    assert "price out of range" in report.rejected[0].reason


async def test_the_price_sync_leaves_a_service_with_unreadable_figures_as_it_was(
    db: Database, settings: Settings, smm: SmmV2Provider, panel: FakeSmmPanel
) -> None:
    info = _add(db, settings)
    listing = await smm.services()
    await db.write(catalog_sync.import_services, provider_id=info.id, exchange_rate=Decimal(1),
                   services=listing.services, markup_percent=Decimal(0))  # fmt: skip
    before = _services(db, info.id)
    panel.configure(services=[dict(panel.services[0], rate="2.00"), dict(panel.services[1], rate="1e300000"),
                              dict(panel.services[2], max=2**64)])  # fmt: skip
    listing = await smm.services()
    report = await db.write(catalog_sync.sync_services, provider_id=info.id, exchange_rate=Decimal(1),
                            services=listing.services, rejected=listing.rejected)  # fmt: skip
    after = _services(db, info.id)
    assert after["1"]["cost_rate"] == "2" and after["1"]["rate_cents"] == 200  # followed the upstream
    assert after["2"] == before["2"] and after["3"] == before["3"]  # unreadable: left as they were, still sold
    assert (report.disabled, sorted(r.service for r in report.rejected)) == (0, ["2", "3"])
