"""Catalog and providers in the back office: margins, bulk enable/disable, provider status, roles."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.admin import catalog
from flashpanel.admin.audit import Actor, AuditFilter, entries
from flashpanel.admin.pages import catalog as catalog_pages
from flashpanel.admin.roles import NotPermitted
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import RuleViolation
from flashpanel.otp import catalog as otp_catalog
from flashpanel.providers.service import get_provider_or_raise
from flashpanel.smm import catalog as smm_catalog
from tests.admin.support import csrf, enrol_and_log_in, form_fields, make_operator

OWNER = Actor(name="olu", role="owner")
SUPPORT = Actor(name="ngozi", role="support")


def _set_cost(conn: Conn, *, cost: str) -> None:
    conn.execute("UPDATE smm_services SET cost_rate = ?", (cost,))


def test_margins_are_computed_in_the_panel_currency_and_flagged(db: Database, smm_order: Callable[..., int]) -> None:
    smm_order("ada")  # creates the service (rate 500.00 per 1000, bound to the simulator)
    db.write_sync(lambda c: c.execute("UPDATE providers SET exchange_rate = '1000' WHERE name = 'simulator'"))
    for cost, margin, flag in (
        ("0.25", Decimal("50.0"), "ok"),
        ("0.46", Decimal("8.0"), "thin"),
        ("0.6", Decimal("-20.0"), "negative"),
    ):
        db.write_sync(_set_cost, cost=cost)
        [line] = db.read_sync(catalog.smm_services)
        assert (line.margin_percent, line.margin) == (margin, flag)
    db.write_sync(lambda c: c.execute("UPDATE smm_services SET cost_rate = NULL"))
    assert db.read_sync(catalog.smm_services)[0].margin == "unknown"


def test_services_are_disabled_in_bulk_by_owners_only_and_audited(db: Database, smm_order: Callable[..., int]) -> None:
    smm_order("ada")
    [line] = db.read_sync(catalog.smm_services)
    with pytest.raises(NotPermitted):
        db.write_sync(catalog.set_services_active, actor=SUPPORT, service_ids=[line.id], active=False)
    assert db.write_sync(catalog.set_services_active, actor=OWNER, service_ids=[line.id], active=False) == 1
    assert db.write_sync(catalog.set_services_active, actor=OWNER, service_ids=[line.id], active=False) == 0
    assert db.read_sync(catalog.smm_services)[0].active is False
    with pytest.raises(RuleViolation, match="between 1 and 100"):
        db.write_sync(catalog.set_services_active, actor=OWNER, service_ids=list(range(101)), active=False)
    assert [r.action for r in db.read_sync(entries, flt=AuditFilter(actor="olu"))] == ["catalog.smm.disable"] * 2


def test_a_provider_is_disabled_by_an_owner_and_it_is_audited(db: Database, smm_order: Callable[..., int]) -> None:
    smm_order("ada")
    with pytest.raises(NotPermitted):
        db.write_sync(catalog.set_provider_active, actor=SUPPORT, name="simulator", active=False)
    db.write_sync(catalog.set_provider_active, actor=OWNER, name="simulator", active=False)
    assert db.read_sync(get_provider_or_raise, name="simulator").active is False
    [row] = db.read_sync(entries, flt=AuditFilter(object_kind="provider"))
    assert (row.action, row.before, row.after) == ("provider.disable", '{"active": true}', '{"active": false}')


async def test_the_catalog_and_providers_pages_render(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int]
) -> None:
    smm_order("ada")
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    catalog_page = await client.get("/admin/catalog")
    assert catalog_page.status_code == 200 and "Test Followers" in catalog_page.text
    providers_page = await client.get("/admin/providers")
    assert providers_page.status_code == 200 and "Check balance of simulator" in providers_page.text
    assert "Import services from" not in providers_page.text  # the simulator has no catalog to import


def test_a_provider_below_the_low_balance_setting_needs_attention() -> None:
    balances = {
        "jap": catalog.ProviderBalance(Decimal("3"), "USD", 0.0),
        "hero": catalog.ProviderBalance(Decimal("90000"), "NGN", 0.0),
        "down": catalog.ProviderBalance(None, "USD", 0.0, error="timeout"),
    }
    rates = {"jap": Decimal("1500"), "hero": Decimal("1")}
    assert catalog.low_balances(balances, rates, threshold=10000) == [("jap", Decimal("4500"))]
    assert catalog.low_balances(balances, rates, threshold=0) == []


def test_a_bulk_markup_reprices_services_with_a_recorded_cost_never_below_it(
    db: Database, smm_order: Callable[..., int]
) -> None:
    smm_order("ada")
    [line] = db.read_sync(catalog.smm_services)
    with pytest.raises(NotPermitted):
        db.write_sync(catalog.apply_markup, actor=SUPPORT, service_ids=[line.id], markup=Decimal(10))
    assert db.write_sync(catalog.apply_markup, actor=OWNER, service_ids=[line.id], markup=Decimal(10)) == 0
    db.write_sync(_set_cost, cost="0.2")
    db.write_sync(lambda c: c.execute("UPDATE providers SET exchange_rate = '1000' WHERE name = 'simulator'"))
    assert db.write_sync(catalog.apply_markup, actor=OWNER, service_ids=[line.id], markup=Decimal(25)) == 1
    [repriced] = db.read_sync(catalog.smm_services)
    assert (repriced.rate_cents, repriced.margin_percent) == (25000, Decimal("20.0"))
    audit = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.markup"))[0]
    assert audit.before == f'{{"{line.id}": 50000}}'


async def test_the_catalog_page_lists_otp_services_with_their_providers(
    client: httpx.AsyncClient, db: Database, waiting_otp_order: Callable[..., int]
) -> None:
    waiting_otp_order("ada")
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/catalog")
    assert "#1 Chat (c)" in page.text and "none (not sold)" in page.text


def _otp_service_and_product(conn: Conn) -> tuple[int, int]:
    country = otp_catalog.add_country(conn, name="Testland", code="TL")
    service_id = otp_catalog.add_service(conn, country=str(country), name="Chat", code="c", price=Decimal("150"))
    category = accounts_catalog.add_category(conn, name="Mail")
    product_id = accounts_catalog.add_product(conn, category_id=category, name="Mailbox", price_cents=20000)
    return service_id, product_id


async def test_an_owner_reprices_and_disables_an_otp_service_and_a_product_from_the_catalog_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    service_id, product_id = db.write_sync(_otp_service_and_product)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/catalog")
    assert 'for="price-otp-1">Price of #1 Chat</label>' in page.text and "Save #1 Mailbox" in page.text
    otp_path, product_path = f"/admin/catalog/otp/{service_id}", f"/admin/catalog/accounts/{product_id}"
    otp_form = {**form_fields(page.text, otp_path), "price": "175.50", "status": "disabled"}
    assert (await client.post(otp_path, data=otp_form)).status_code == 303
    product_form = {**form_fields(page.text, product_path), "price": "250", "status": "active"}
    assert (await client.post(product_path, data=product_form)).status_code == 303
    otp = db.read_sync(lambda c: c.one("SELECT price_cents, active FROM otp_services WHERE id = ?", (service_id,)))
    assert otp is not None and (int(otp["price_cents"]), bool(otp["active"])) == (17550, False)
    product = db.read_sync(accounts_catalog.get_product, product_id=product_id)
    assert (product.price_cents, product.active) == (25000, True)
    [otp_audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.otp.update"))
    assert '"price_cents": 15000' in (otp_audit.before or "") and '"active": true' in (otp_audit.before or "")
    assert '"price_cents": 17550' in (otp_audit.after or "") and '"active": false' in (otp_audit.after or "")
    [product_audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.accounts.update"))
    assert '"price_cents": 20000' in (product_audit.before or "") and '"price_cents": 25000' in (
        product_audit.after or ""
    )
    resent = await client.post(otp_path, data={**otp_form, "price": "1"})  # the same form again
    assert resent.status_code == 303 and "already" in (await client.get("/admin/catalog")).text.lower()
    bad = {**form_fields((await client.get("/admin/catalog")).text, product_path), "price": "-5", "status": "active"}
    await client.post(product_path, data=bad)
    assert db.read_sync(accounts_catalog.get_product, product_id=product_id).price_cents == 25000
    [refused] = db.read_sync(entries, flt=AuditFilter(action="catalog.accounts.update", outcome="refused"))
    assert "negative" in (refused.after or "")


async def test_a_support_operator_is_refused_a_price_change_and_it_is_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    service_id, _ = db.write_sync(_otp_service_and_product)
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get("/admin/catalog")
    assert "Price of #1 Chat" not in page.text
    form = {"_csrf_token": await csrf(client, "/admin/catalog"), "request_id": "r-1", "price": "1", "status": "active"}
    assert (await client.post(f"/admin/catalog/otp/{service_id}", data=form)).status_code == 303
    otp = db.read_sync(lambda c: c.one("SELECT price_cents FROM otp_services WHERE id = ?", (service_id,)))
    assert otp is not None and int(otp["price_cents"]) == 15000
    [audit] = db.read_sync(entries, flt=AuditFilter(actor="ngozi", outcome="refused"))
    assert (audit.action, audit.object_id) == ("catalog.otp.update", str(service_id))


def _row(db: Database, sql: str, *args: object) -> dict[str, object]:
    row = db.read_sync(lambda c: c.one(sql, args))
    assert row is not None
    return dict(row)


async def _add(client: httpx.AsyncClient, kind: str, **fields: str) -> str:
    """Post the catalog page's form for ``kind`` (a path under /admin/catalog) and return the page after."""
    path = f"/admin/catalog/{kind}"
    form = {**form_fields((await client.get("/admin/catalog")).text, path), **fields}
    assert (await client.post(path, data=form)).status_code == 303
    return (await client.get("/admin/catalog")).text


async def test_an_owner_adds_otp_countries_and_services_and_accounts_categories_and_products(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = (await client.get("/admin/catalog")).text
    for label in ("Country code (2 letters)", "Service price", "Category name", "Product max quantity"):
        assert f">{label}</label>" in page
    await _add(client, "new/otp-country", name="Testland", code="tl")
    country = _row(db, "SELECT id, name, code FROM otp_countries WHERE code = 'TL'")
    await _add(client, "new/otp-service", country=str(country["id"]), name="Chat", code="c", price="150")
    service = _row(db, "SELECT id, price_cents, country_id FROM otp_services WHERE code = 'c'")
    assert (service["price_cents"], service["country_id"]) == (15000, country["id"])
    await _add(client, "new/accounts-category", name="Mail", icon="mail")
    category = _row(db, "SELECT id FROM account_categories WHERE name = 'Mail'")
    page = await _add(
        client, "new/accounts-product", category_id=str(category["id"]), name="Mailbox", price="200", max_quantity="5"
    )
    [product] = db.read_sync(accounts_catalog.list_products)
    assert (product.name, product.price_cents, product.category_id) == ("Mailbox", 20000, category["id"])
    assert "Mailbox" in page and "#1 Chat (c)" in page
    [product_audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.accounts.add"))
    assert '"price_cents": 20000' in (product_audit.after or "") and '"max_quantity": 5' in (product_audit.after or "")
    actions = [r.action for r in db.read_sync(entries, flt=AuditFilter(actor="olu", outcome="done"))]
    for action in (
        "catalog.otp.country.add",
        "catalog.otp.add",
        "catalog.accounts.category.add",
        "catalog.accounts.add",
    ):
        assert action in actions


async def test_bad_catalog_entries_are_refused_with_the_domain_message_and_add_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await _add(client, "new/otp-country", name="Testland", code="TLX")
    assert "Country code must be 2 letters" in page
    await _add(client, "new/otp-country", name="Testland", code="TL")
    page = await _add(client, "new/otp-service", country="TL", name="Chat", code="c", price="-1")
    assert "Price must not be negative" in page
    await _add(client, "new/accounts-category", name="Mail")
    page = await _add(client, "new/accounts-category", name="Mail")
    assert "Category &#39;Mail&#39; already exists" in page or "Category 'Mail' already exists" in page
    page = await _add(client, "new/accounts-product", category_id="999", name="Mailbox", price="200")
    assert "Category 999 not found" in page
    counts = _row(
        db,
        "SELECT (SELECT COUNT(*) FROM otp_countries) AS countries, (SELECT COUNT(*) FROM otp_services) AS services, "
        "(SELECT COUNT(*) FROM account_categories) AS categories, (SELECT COUNT(*) FROM account_products) AS products",
    )
    assert counts == {"countries": 1, "services": 0, "categories": 1, "products": 0}
    refused = db.read_sync(entries, flt=AuditFilter(actor="olu", outcome="refused"))
    assert {r.action for r in refused} == {
        "catalog.otp.country.add",
        "catalog.otp.add",
        "catalog.accounts.category.add",
        "catalog.accounts.add",
    }


async def test_a_support_operator_is_refused_adding_to_the_catalog_and_it_is_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    assert "Add country" not in (await client.get("/admin/catalog")).text
    form = {"_csrf_token": await csrf(client, "/admin/catalog"), "request_id": "r-2", "name": "Mail"}
    assert (await client.post("/admin/catalog/new/accounts-category", data=form)).status_code == 303
    assert _row(db, "SELECT COUNT(*) AS n FROM account_categories")["n"] == 0
    [audit] = db.read_sync(entries, flt=AuditFilter(actor="ngozi", outcome="refused"))
    assert audit.action == "catalog.accounts.category.add"


async def test_an_owner_maps_and_unmaps_a_provider_for_an_otp_service_and_both_are_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    service_id, _ = db.write_sync(_otp_service_and_product)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await _add(client, "otp-providers/map", service_id=str(service_id), provider="nobody")
    assert "Upstream country and service must not be empty" in page
    fields = {"service_id": str(service_id), "provider": "simulator", "upstream_country": "0", "upstream_service": "c"}
    page = await _add(client, "otp-providers/map", **fields, priority="2")
    assert "simulator (2)" in page and f"Unmap simulator from #{service_id} Chat" in page
    mapped = _row(
        db, "SELECT priority, upstream_service FROM otp_service_providers WHERE otp_service_id = ?", service_id
    )
    assert mapped == {"priority": 2, "upstream_service": "c"}
    page = await _add(client, "otp-providers/unmap", service_id=str(service_id), provider="simulator")
    assert "none (not sold)" in page
    assert _row(db, "SELECT COUNT(*) AS n FROM otp_service_providers")["n"] == 0
    done = [r.action for r in db.read_sync(entries, flt=AuditFilter(actor="olu", outcome="done"))]
    assert sorted(done) == ["catalog.otp.map", "catalog.otp.unmap"]
    [refused] = db.read_sync(entries, flt=AuditFilter(actor="olu", outcome="refused"))
    assert (refused.action, refused.object_id) == ("catalog.otp.map", str(service_id))


async def test_the_catalog_lists_a_bounded_number_of_smm_services_and_finds_the_others(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):
        category = "Video Views" if n % 2 else "Followers"
        spec = smm_catalog.ServiceInput(
            name=f"Listed {n}", category=category, rate=Decimal(10), min_quantity=10, max_quantity=1000
        )
        db.write_sync(smm_catalog.add_service, spec=spec)
    assert [s.name for s in db.read_sync(catalog.smm_services, search="VIDEO")] == ["Listed 1", "Listed 3"]
    assert db.read_sync(smm_catalog.count_services, search="listed_") == 0  # "_" is a letter here, not a wildcard
    monkeypatch.setattr(catalog_pages, "SMM_SHOWN", 3)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/catalog")
    assert "Showing 3 of 5 services: search to find the others." in page.text
    found = await client.get("/admin/catalog", params={"q": "video"})
    assert "2 services match “video”." in found.text
    assert "Listed 3" in found.text and "Listed 2" not in found.text
