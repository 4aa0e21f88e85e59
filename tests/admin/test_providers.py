"""Providers changed from the back office: URL and write-only key, and an import with a markup."""

from __future__ import annotations

from decimal import Decimal

import httpx
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
from flashpanel.providers.fakes import FakeSmmPanel
from flashpanel.smm import catalog
from tests.admin.support import csrf, enrol_and_log_in, form_fields, make_operator

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


# Over HTTP: the providers page adds a provider and syncs its services against the fake upstream panel.

SYNC = "/admin/providers/jap/sync"


async def test_an_owner_adds_a_provider_from_the_page_with_a_write_only_key(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/providers")
    assert 'for="new-key">API key</label>' in page.text
    form = {
        **form_fields(page.text, "/admin/providers"),
        "name": "jap",
        "kind": "smm-v2",
        "url": "https://jap.example/api/v2",
        "api_key": KEY,
        "currency": "usd",
        "exchange_rate": "1500",
    }
    added = await client.post("/admin/providers", data=form)
    assert added.status_code == 303
    after = await client.get("/admin/providers")
    assert "Provider jap added." in after.text and "https://jap.example/api/v2" in after.text
    assert KEY not in after.text
    row = db.read_sync(service.provider_row, name="jap")
    assert open_secret_box(settings.secret_key_file).decrypt(row.api_key_encrypted or "") == KEY
    assert (row.currency, row.exchange_rate) == ("USD", Decimal(1500))
    [audit] = db.read_sync(entries, flt=AuditFilter(action="provider.add"))
    assert audit.outcome == "done" and KEY not in (audit.after or "")
    assert '"exchange_rate": "1500"' in (audit.after or "")
    again = await client.post("/admin/providers", data={**form, **form_fields(after.text, "/admin/providers")})
    assert again.status_code == 303 and len(db.read_sync(service.list_providers)) == 1
    assert "already exists" in (await client.get("/admin/providers")).text


async def test_a_provider_added_at_a_plain_http_address_comes_with_the_cli_s_warning(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/providers")
    form = {**form_fields(page.text, "/admin/providers"), "name": "hero", "kind": "sms-activate", "api_key": KEY}
    await client.post("/admin/providers", data={**form, "url": "http://numbers.example/stubs/handler_api.php"})
    assert "Provider hero added. Its address is plain http://" in (await client.get("/admin/providers")).text


async def test_a_support_operator_is_refused_adding_a_provider_and_it_is_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get("/admin/providers")
    assert "Add provider" not in page.text
    form = {
        "_csrf_token": await csrf(client, "/admin/providers"),
        "request_id": "r-support-add",
        "name": "jap",
        "kind": "smm-v2",
        "url": "https://jap.example/api/v2",
        "api_key": KEY,
    }
    refused = await client.post("/admin/providers", data=form)
    assert refused.status_code == 303 and db.read_sync(service.list_providers) == []
    [audit] = db.read_sync(entries, flt=AuditFilter(actor="ngozi", outcome="refused"))
    assert (audit.action, audit.object_id) == ("provider.add", "jap") and KEY not in (audit.after or "")


async def test_sync_now_brings_imported_services_in_line_with_the_upstream_and_is_audited(
    client: httpx.AsyncClient, db: Database, settings: Settings, panel: FakeSmmPanel, panel_url: str
) -> None:
    box = open_secret_box(settings.secret_key_file)
    db.write_sync(service.add_provider, secrets=box, name="jap", kind="smm-v2", url=panel_url, api_key=panel.api_key)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/providers")
    imported = await client.post(
        "/admin/providers/jap/import", data={**form_fields(page.text, "/admin/providers/jap/import"), "markup": "0"}
    )
    assert imported.status_code == 303
    listed = {str(s["service"]) for s in panel.services}
    assert {s["upstream_service"] for s in db.read_sync(catalog.all_services)} == listed
    vanished = panel.services.pop()
    panel.services[0]["rate"] = "5.00"  # the upstream's cost rose above our price (markup 0)
    page = await client.get("/admin/providers")
    synced = await client.post(SYNC, data=form_fields(page.text, SYNC))
    assert synced.status_code == 303
    assert "1 disabled, 1 repriced" in (await client.get("/admin/providers")).text
    by_upstream = {s["upstream_service"]: s for s in db.read_sync(catalog.all_services)}
    assert not by_upstream[str(vanished["service"])]["active"]
    assert int(by_upstream[str(panel.services[0]["service"])]["rate_cents"]) >= 500
    [audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.sync"))
    assert audit.outcome == "done" and '"disabled": 1' in (audit.after or "")


async def test_a_support_operator_is_refused_a_sync_before_the_upstream_is_called(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    box = open_secret_box(settings.secret_key_file)
    # Nothing listens there: a call to the upstream would flash a connection error, not the refusal.
    unreachable = "http://127.0.0.1:9/api/v2"
    db.write_sync(service.add_provider, secrets=box, name="jap", kind="smm-v2", url=unreachable, api_key=KEY)
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get("/admin/providers")
    assert "Sync services of jap now" not in page.text
    form = {"_csrf_token": await csrf(client, "/admin/providers"), "request_id": "r-support-sync"}
    refused = await client.post(SYNC, data=form)
    assert refused.status_code == 303 and "owners" in (await client.get("/admin/providers")).text
    [audit] = db.read_sync(entries, flt=AuditFilter(actor="ngozi", outcome="refused"))
    assert (audit.action, audit.object_id) == ("catalog.smm.sync", "jap")


async def test_an_owner_changes_a_providers_exchange_rate_from_its_form_and_it_is_audited(
    client: httpx.AsyncClient, db: Database, secrets: SecretBox
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/providers")
    assert 'name="exchange_rate" type="text" inputmode="decimal" value="1500"' in page.text
    fields = form_fields(page.text, "/admin/providers/jap/update")
    form = {**fields, "url": "https://jap.example/api/v2", "api_key": "", "exchange_rate": "1650.5"}
    assert (await client.post("/admin/providers/jap/update", data=form)).status_code == 303
    row = db.read_sync(service.provider_row, name="jap")
    assert row.exchange_rate == Decimal("1650.5") and secrets.decrypt(row.api_key_encrypted or "") == KEY
    [audit] = db.read_sync(entries, flt=AuditFilter(action="provider.update"))
    assert '"exchange_rate": "1500"' in (audit.before or "") and '"exchange_rate": "1650.5"' in (audit.after or "")
    bad = await client.get("/admin/providers")
    form = {**form_fields(bad.text, "/admin/providers/jap/update"), "exchange_rate": "-3"}
    assert (await client.post("/admin/providers/jap/update", data=form)).status_code == 303
    assert db.read_sync(service.provider_row, name="jap").exchange_rate == Decimal("1650.5")
    assert "exchange rate must be a positive number, got &#39;-3&#39;" in (await client.get("/admin/providers")).text


def test_a_rate_alone_changes_only_the_rate_and_an_unchanged_form_changes_nothing(
    db: Database, secrets: SecretBox
) -> None:
    rate_only = {"url": None, "api_key": None, "exchange_rate": "1600"}
    db.write_sync(providers.update_provider, actor=OWNER, name="jap", secrets=secrets, **rate_only)
    row = db.read_sync(service.provider_row, name="jap")
    assert (row.url, row.exchange_rate) == ("https://jap.example/api/v2", Decimal(1600))
    with pytest.raises(RuleViolation, match="nothing to change"):
        db.write_sync(
            providers.update_provider,
            actor=OWNER,
            name="jap",
            secrets=secrets,
            url=None,
            api_key=None,
            exchange_rate="1600",
        )
