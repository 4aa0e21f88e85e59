"""Catalog and providers in the back office: margins, bulk enable/disable, provider status, roles."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from flashpanel.admin import catalog
from flashpanel.admin.audit import Actor, AuditFilter, entries
from flashpanel.admin.roles import NotPermitted
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import RuleViolation
from flashpanel.providers.service import get_provider_or_raise
from tests.admin.support import enrol_and_log_in, make_operator

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
