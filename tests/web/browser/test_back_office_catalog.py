"""The catalog page in Chromium, as an owner uses it: an SMM service added by hand and listed, one edited
(name and switches) with its audit row; an OTP country and service added and a provider mapped; an
accounts category and product added and repriced; an operator who is no longer an owner refused by the
server, the refusal audited. One owner logs in once for the module; each test opens its own tab."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.providers.sale import simulator_id
from flashpanel.smm import catalog
from tests.web.browser.conftest import DESKTOP, LivePanel
from tests.web.browser.test_back_office import enrol

_names = itertools.count(1)


def _name(stem: str) -> str:
    return f"{stem} {next(_names)}"


@dataclass
class Owner:
    context: BrowserContext
    name: str
    csp_violations: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def owner(browser: Browser, panel: LivePanel) -> Iterator[Owner]:
    """An owner logged in once (TOTP enrolment) for the whole module, the simulator known as a provider.
    Content-Security-Policy violations are collected as ``new_context`` does and checked after each test."""
    panel.db.write_sync(simulator_id)
    context = browser.new_context(viewport=DESKTOP, base_url=panel.base_url)
    context.set_default_timeout(15_000)
    violations: list[str] = []
    context.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    first = context.new_page()
    name, _ = enrol(first, panel)
    first.close()
    yield Owner(context, name, violations)
    context.close()


@pytest.fixture
def tab(owner: Owner) -> Iterator[Page]:
    """A new tab of the owner's, on the catalog page."""
    page = owner.context.new_page()
    page.goto("/admin/catalog")
    yield page
    page.close()
    assert owner.csp_violations == [], owner.csp_violations


def _smm_row(page: Page, text: str) -> Locator:
    return page.get_by_role("table", name="SMM services").get_by_role("row").filter(has_text=text)


def test_an_owner_adds_an_smm_service_by_hand_and_sees_it_listed(panel: LivePanel, tab: Page) -> None:
    name = _name("Hand Followers")
    tab.get_by_label("New SMM service name", exact=True).fill(name)
    tab.get_by_label("New SMM service category", exact=True).fill("Instagram")
    tab.get_by_label("New SMM service provider", exact=True).select_option(label="simulator")
    tab.get_by_label("Provider's service id", exact=True).fill("42")
    tab.get_by_label("Rate per 1000", exact=True).fill("612.50")
    tab.get_by_label("New SMM service min quantity", exact=True).fill("50")
    tab.get_by_label("New SMM service max quantity", exact=True).fill("20000")
    tab.get_by_label("Refills allowed", exact=True).check()
    tab.get_by_label("Drip-feed allowed", exact=True).check()
    tab.get_by_role("button", name="Add SMM service").click()
    expect(tab.get_by_role("status")).to_contain_text(f"{name} added.")
    row = _smm_row(tab, name)
    for shown in ("Instagram", "simulator", "₦612.50", "50\u201320000", "yes / no / yes", "active"):
        expect(row).to_contain_text(shown)
    [service] = [s for s in panel.db.read_sync(catalog.all_services) if s["name"] == name]
    assert (service["upstream_service"], service["rate_cents"]) == ("42", 61250)


def test_a_bad_smm_service_is_refused_with_the_rule_broken(panel: LivePanel, tab: Page) -> None:
    name = _name("Backwards")
    tab.get_by_label("New SMM service name", exact=True).fill(name)
    tab.get_by_label("New SMM service category", exact=True).fill("Instagram")
    tab.get_by_label("Rate per 1000", exact=True).fill("10")
    tab.get_by_label("New SMM service min quantity", exact=True).fill("500")
    tab.get_by_label("New SMM service max quantity", exact=True).fill("50")
    tab.get_by_role("button", name="Add SMM service").click()
    expect(tab.get_by_role("status")).to_have_text("max must not be below min")
    expect(_smm_row(tab, name)).to_have_count(0)


def test_an_owner_edits_an_smm_services_name_and_switches_and_sees_the_audit_row(
    panel: LivePanel, owner: Owner, tab: Page
) -> None:
    old, new = _name("Plain Likes"), _name("Real Likes")
    spec = catalog.ServiceInput(
        name=old, category="Facebook", rate=Decimal("90"), min_quantity=10, max_quantity=500, provider="simulator"
    )
    service_id = panel.db.write_sync(catalog.add_service, spec=spec)
    tab.reload()
    what = f"#{service_id} {old}"
    tab.get_by_text(f"Edit {what}", exact=True).click()  # opens the service's edit form
    tab.get_by_label(f"Name of {what}", exact=True).fill(new)
    tab.get_by_label(f"Refills allowed for {what}", exact=True).check()
    tab.get_by_label(f"Cancels allowed for {what}", exact=True).check()
    tab.get_by_role("button", name=f"Save {what}").click()
    expect(tab.get_by_role("status")).to_have_text(f"SMM service {service_id} saved.")
    expect(_smm_row(tab, new)).to_contain_text("yes / yes / no")
    expect(_smm_row(tab, old)).to_have_count(0)

    tab.get_by_role("link", name="Audit log").click()
    audit_row = tab.get_by_role("row").filter(has_text="catalog.smm.update").filter(has_text=new)
    expect(audit_row).to_contain_text(owner.name)
    expect(audit_row).to_contain_text(f"smm_service {service_id}")
    expect(audit_row).to_contain_text(f'"name": "{old}"')  # before
    expect(audit_row).to_contain_text('"refill": true')  # after
    expect(audit_row).to_contain_text("done")


def test_an_owner_adds_an_otp_country_and_service_and_maps_a_provider(panel: LivePanel, tab: Page) -> None:
    tab.get_by_label("Country name", exact=True).fill("Browserland")
    tab.get_by_label("Country code (2 letters)", exact=True).fill("bq")
    tab.get_by_role("button", name="Add country").click()
    expect(tab.get_by_role("status")).to_contain_text("added.")
    tab.get_by_label("Country of the new service", exact=True).select_option(label="BQ Browserland")
    tab.get_by_label("Service name", exact=True).fill("Chatter")
    tab.get_by_label("Service code", exact=True).fill("ch")
    tab.get_by_label("Service price", exact=True).fill("150")
    tab.get_by_role("button", name="Add OTP service").click()
    expect(tab.get_by_role("status")).to_contain_text("not sold until a provider is mapped")
    otp_row = tab.get_by_role("table", name="OTP services").get_by_role("row").filter(has_text="Chatter (ch)")
    expect(otp_row).to_contain_text("none (not sold)")

    service = otp_row.get_by_role("cell").nth(1).inner_text().split()[0]  # "#7"
    tab.get_by_label("OTP service to map", exact=True).select_option(label=f"{service} Chatter (Browserland)")
    tab.get_by_label("Provider to map", exact=True).select_option(label="simulator")
    tab.get_by_label("Upstream country", exact=True).fill("0")
    tab.get_by_label("Upstream service", exact=True).fill("ch")
    tab.get_by_role("button", name="Map provider").click()
    expect(tab.get_by_role("status")).to_have_text(f"simulator now sells OTP service {service.lstrip('#')}.")
    expect(otp_row).to_contain_text("simulator (0)")
    expect(otp_row.get_by_role("button", name=f"Unmap simulator from {service} Chatter")).to_be_visible()


def test_an_owner_adds_an_accounts_category_and_product_and_changes_its_price(panel: LivePanel, tab: Page) -> None:
    category, product = _name("Mail"), _name("Mailbox")
    tab.get_by_label("Category name", exact=True).fill(category)
    tab.get_by_role("button", name="Add category").click()
    expect(tab.get_by_role("status")).to_contain_text("added.")
    tab.get_by_label("Category of the new product", exact=True).select_option(label=category)
    tab.get_by_label("Product name", exact=True).fill(product)
    tab.get_by_label("Product price", exact=True).fill("200")
    tab.get_by_label("Product max quantity", exact=True).fill("5")
    tab.get_by_role("button", name="Add product").click()
    expect(tab.get_by_role("status")).to_contain_text("added.")
    row = tab.get_by_role("table", name="Accounts products").get_by_role("row").filter(has_text=product)
    expect(row).to_contain_text("₦200.00")

    [found] = [p for p in panel.db.read_sync(accounts_catalog.list_products) if p.name == product]
    what = f"#{found.id} {product}"
    row.get_by_label(f"Price of {what}", exact=True).fill("275.50")
    row.get_by_role("button", name=f"Save {what}").click()
    expect(tab.get_by_role("status")).to_have_text(f"Product {found.id} saved.")
    expect(row).to_contain_text("₦275.50")
    assert panel.db.read_sync(accounts_catalog.get_product, product_id=found.id).price_cents == 27550


def test_an_operator_no_longer_an_owner_is_refused_by_the_server_and_it_is_audited(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    operator, _ = enrol(page, panel)
    page.goto("/admin/catalog")  # the forms of an owner, still open when another owner makes them support
    panel.db.write_sync(lambda c: c.execute("UPDATE operators SET role = 'support' WHERE name = ?", (operator,)))
    name = _name("Sneaky Views")
    page.get_by_label("New SMM service name", exact=True).fill(name)
    page.get_by_label("New SMM service category", exact=True).fill("YouTube")
    page.get_by_label("Rate per 1000", exact=True).fill("1")
    page.get_by_label("New SMM service min quantity", exact=True).fill("1")
    page.get_by_label("New SMM service max quantity", exact=True).fill("2")
    page.get_by_role("button", name="Add SMM service").click()
    expect(page.get_by_role("status")).to_contain_text("A support operator may not do this")
    expect(page.get_by_role("button", name="Add SMM service")).to_have_count(0)  # support sees no forms
    expect(_smm_row(page, name)).to_have_count(0)
    [row] = panel.db.read_sync(entries, flt=AuditFilter(actor=operator, outcome="refused"))
    assert (row.action, row.object_id) == ("catalog.smm.add", name)
