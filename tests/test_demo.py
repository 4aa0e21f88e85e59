"""The demo: its catalog is the built-in simulators', so it sells only while FLASHPANEL_SIMULATORS is on, and
``flashpanel demo remove`` takes the demo customer and catalog away before going live."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from flashpanel import demo
from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.accounts import demo as accounts_demo
from flashpanel.accounts import service as accounts_service
from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.customers import service as customers
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database
from flashpanel.otp import catalog as otp_catalog
from flashpanel.otp import demo as otp_demo
from flashpanel.smm import demo as smm_demo
from flashpanel.smm import service as smm_service
from tests.helpers import run_cli


def _seed(db: Database, settings: Settings) -> str:
    db.write_sync(demo.seed_catalog, secrets=open_secret_box(settings.secret_key_file))
    return db.write_sync(demo.ensure_demo_customer, key_file=settings.demo_key_file)


def _counts(conn: Conn) -> dict[str, int]:
    tables = ("smm_services", "otp_services", "otp_countries", "account_products", "account_categories", "stock_items")
    return {table: int(conn.scalar(f"SELECT COUNT(*) FROM {table}")) for table in tables}


async def test_the_demo_catalog_sells_only_while_simulators_are_on(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    assert settings.simulators is False  # the default: a plain `serve` after `demo seed`
    key = _seed(db, settings)
    assert (await client.get("/api/v1/smm/services", params={"key": key})).json()["data"] == []
    us = db.read_sync(lambda c: c.scalar("SELECT id FROM otp_countries WHERE code = 'US'"))
    assert (await client.get("/api/v1/otp/services", params={"key": key, "country": us})).json()["data"] == []
    assert len(db.read_sync(smm_service.active_services, simulators=True)) == len(smm_demo.DEMO_SERVICES)
    offers = db.read_sync(otp_catalog.services_of_country, country_id=us, simulators=True)
    assert len(offers) == len(otp_demo.DEMO_SERVICES)
    # Accounts are the operator's own stock, with no provider: sold whatever the setting.
    categories = (await client.get("/api/v1/accounts/categories", params={"key": key})).json()["data"]
    assert len(categories) == len(accounts_demo.CATALOG)


@pytest.mark.usefixtures("cli_env")
def test_demo_remove_deletes_a_demo_nobody_ordered_from_and_keeps_the_operators_own(
    db: Database, settings: Settings
) -> None:
    before = db.read_sync(_counts)
    _seed(db, settings)
    own_key = db.write_sync(customers.create_customer, name="alice", initial_balance=Decimal(10))
    db.write_sync(accounts_catalog.add_category, name="Own Shop")
    code, out, err = run_cli("demo", "remove")
    assert code == 0, err
    assert "demo customer 'demo': deleted" in out
    assert db.read_sync(_counts) == {**before, "account_categories": before["account_categories"] + 1}
    assert db.read_sync(lambda c: c.one("SELECT 1 FROM customers WHERE name = 'demo'")) is None
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM ledger_entries")) == 1  # alice's opening top-up
    assert db.read_sync(customers.authenticate, key_digest=key_digest(own_key))
    assert not settings.demo_key_file.exists()
    assert run_cli("demo", "remove")[0] == 0  # nothing left: still fine


@pytest.mark.usefixtures("cli_env")
def test_demo_remove_disables_what_orders_refer_to_and_takes_the_demo_money_back(
    db: Database, settings: Settings
) -> None:
    key = _seed(db, settings)
    smm = db.read_sync(smm_service.active_services, simulators=True)[0]["service_id"]
    db.write_sync(
        smm_service.place_order, key_digest=key_digest(key), service_id=smm, link="https://example.com/p",
        quantity=1000, simulators=True,
    )  # fmt: skip
    product = db.read_sync(accounts_catalog.list_products)[0]
    db.write_sync(
        accounts_service.purchase,
        key_digest=key_digest(key),
        product_id=product.id,
        quantity=product.min_quantity,
        secrets=open_secret_box(settings.secret_key_file),
    )
    code, out, err = run_cli("demo", "remove")
    assert code == 0, err
    assert "demo customer 'demo': disabled" in out and "demo smm services: 3 deleted, 1 disabled" in out
    demo_row = db.read_sync(lambda c: c.one("SELECT id, active, balance_cents FROM customers WHERE name = 'demo'"))
    assert demo_row is not None and not demo_row["active"] and demo_row["balance_cents"] == 0
    entries = db.read_sync(
        lambda c: c.all("SELECT kind, amount_cents FROM ledger_entries WHERE customer_id = ?", (demo_row["id"],))
    )
    assert sum(int(e["amount_cents"]) for e in entries) == 0 and entries[-1]["kind"] == "adjustment"
    assert [bool(r["active"]) for r in db.read_sync(lambda c: c.all("SELECT active FROM smm_services"))] == [False]
    kept = db.read_sync(lambda c: c.all("SELECT id, active FROM account_products"))
    assert len(kept) == 1 and not kept[0]["active"]
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM stock_items WHERE order_id IS NULL")) == 0
