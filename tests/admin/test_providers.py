"""Providers changed from the back office: URL and write-only key, and an import with a markup."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashpanel.admin import providers
from flashpanel.admin.audit import Actor, AuditFilter, entries
from flashpanel.admin.roles import NotPermitted
from flashpanel.config import Settings
from flashpanel.crypto import SecretBox, open_secret_box
from flashpanel.db.runner import Database
from flashpanel.errors import RuleViolation
from flashpanel.providers import service
from flashpanel.providers.base import RejectedService, UpstreamCatalog, UpstreamService
from flashpanel.smm import catalog

OWNER = Actor(name="olu", role="owner")
SUPPORT = Actor(name="ngozi", role="support")
KEY = "upstream-key-1234567890"


@pytest.fixture
def secrets(settings: Settings, db: Database) -> SecretBox:
    box = open_secret_box(settings.secret_key_file)
    db.write_sync(
        service.add_provider,
        secrets=box,
        name="jap",
        kind="smm-v2",
        url="https://jap.example/api/v2",
        api_key=KEY,
        exchange_rate=Decimal("1500"),
    )
    return box


def test_an_owner_replaces_a_key_that_is_never_shown_or_audited(db: Database, secrets: SecretBox) -> None:
    with pytest.raises(NotPermitted):
        db.write_sync(providers.update_provider, actor=SUPPORT, name="jap", secrets=secrets, url=None, api_key="x" * 20)
    db.write_sync(
        providers.update_provider,
        actor=OWNER,
        name="jap",
        secrets=secrets,
        url="https://jap2.example/api/v2",
        api_key="new-upstream-key-0987654321",
    )
    row = db.read_sync(service.provider_row, name="jap")
    assert row.url == "https://jap2.example/api/v2"
    assert secrets.decrypt(row.api_key_encrypted or "") == "new-upstream-key-0987654321"
    [audit] = db.read_sync(entries, flt=AuditFilter(action="provider.update"))
    assert "new-upstream-key" not in (audit.after or "") and '"key_replaced": true' in (audit.after or "")


def test_an_import_prices_services_with_the_markup_and_is_audited(db: Database, secrets: SecretBox) -> None:
    listing = UpstreamCatalog(
        services=[
            UpstreamService(
                service="7", name="Likes", type="Default", category="Social", rate=Decimal("0.5"), min=10, max=5000
            )
        ],
        rejected=[RejectedService(service="8", reason="no rate")],
    )
    report = db.write_sync(providers.import_listing, actor=OWNER, name="jap", listing=listing, markup=Decimal(20))
    assert (report.created, len(report.rejected)) == (1, 1)
    [imported] = db.read_sync(catalog.all_services)
    assert int(imported["rate_cents"]) == 90000  # 0.5 * 1500 * 1.2 per 1000
    [audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.import"))
    assert '"markup": "20"' in (audit.after or "")


def test_a_markup_is_a_non_negative_percentage() -> None:
    assert providers.parse_markup(" 12.5 ") == Decimal("12.5")
    for bad in ("-1", "abc", "NaN"):
        with pytest.raises(RuleViolation):
            providers.parse_markup(bad)
