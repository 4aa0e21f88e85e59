"""Arranging what the back-office tests act on: customers, an SMM order, a waiting OTP order."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from flashpanel.config import Settings
from flashpanel.customers import service as customers
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database, now
from flashpanel.smm import catalog
from flashpanel.smm.service import place_order
from flashpanel.wallet import ledger
from tests.providers.conftest import clock, fake_host, panel, panel_url  # noqa: F401 (the fake upstream panel)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Orders are placed on services bound to the built-in simulator: simulators on."""
    return settings.model_copy(update={"simulators": True})


def customer_id(db: Database, name: str) -> int:
    return int(db.read_sync(customers.customer_id_by_name, name=name))


def balance_cents(db: Database, name: str) -> int:
    return int(db.read_sync(ledger.balance_cents, customer_id=customer_id(db, name)))


@pytest.fixture
def smm_order(db: Database, make_customer: Callable[..., str]) -> Callable[..., int]:
    """``smm_order("ada")``: a pending SMM order of 1000 at 500.00 per 1000 (charge 500.00) → its id.
    The customer is created with 1000.00 when missing."""
    service_ids: list[int] = []

    def place(name: str) -> int:
        if not service_ids:
            spec = catalog.ServiceInput(
                name="Test Followers",
                category="Test Social",
                rate=Decimal("500.00"),
                min_quantity=100,
                max_quantity=10000,
                description="",
                provider="simulator",
            )
            service_ids.append(db.write_sync(catalog.add_service, spec=spec))
        key = _customer_key(db, make_customer, name)
        placed = db.write_sync(
            place_order,
            key_digest=key_digest(key),
            service_id=service_ids[0],
            link="https://example.com/a-profile",
            quantity=1000,
            simulators=True,
        )
        return int(placed["order_id"])

    return place


def _customer_key(db: Database, make_customer: Callable[..., str], name: str) -> str:
    """The customer's API key: created with 1000.00, or given a new key when they exist."""
    exists = db.read_sync(lambda c: c.one("SELECT 1 FROM customers WHERE name = ?", (name,)))
    if exists is None:
        return make_customer(name, balance="1000")
    return str(db.write_sync(customers.rotate_key, name=name))


@pytest.fixture
def waiting_otp_order(db: Database, make_customer: Callable[..., str]) -> Callable[..., int]:
    """``waiting_otp_order("ada")``: an OTP order charged 150.00 and waiting for its SMS → its id."""

    def place(name: str) -> int:
        _customer_key(db, make_customer, name)

        def insert(conn: Conn) -> int:
            if conn.one("SELECT 1 FROM otp_countries WHERE id = 1") is None:
                conn.execute("INSERT INTO otp_countries (id, name, code) VALUES (1, 'Testland', 'TL')")
                conn.execute(
                    "INSERT INTO otp_services (id, country_id, name, code, price_cents) "
                    "VALUES (1, 1, 'Chat', 'c', 15000)"
                )
            owner = customers.customer_id_by_name(conn, name=name)
            at = now()
            row = conn.one(
                "INSERT INTO otp_orders (request_id, customer_id, otp_service_id, country_id, phone_number, "
                "charge_cents, status, upstream_activation_id, expires_at, created_at, updated_at) "
                "VALUES (?, ?, 1, 1, '+2348000000000', 15000, 'waiting', 'act-1', ?, ?, ?) RETURNING id",
                (f"req-{at}-{owner}", owner, at + 600, at, at),
            )
            assert row is not None
            ledger.charge(conn, customer_id=owner, amount_cents=15000, order_kind="otp", order_id=int(row["id"]))
            return int(row["id"])

        return int(db.write_sync(insert))

    return place
