"""What the scale test sells: customers with balances (through the customers service, i.e. the ledger), an
SMM catalog mapped to the fake panels, OTP services mapped to the fake number provider (one pair with scarce
numbers) and account products with scarce stock."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from flashpanel.crypto import SecretBox, open_secret_box
from flashpanel.customers import service as customers_service
from flashpanel.db.runner import Conn, Database, now, open_database
from flashpanel.providers.sale import simulator_id
from tests.scale.fakes import SMM_KEY, SMS_KEY
from tests.scale.upstreams import SMS_PATH, Fakes


@dataclass
class Customer:
    id: int
    name: str
    key: str
    otp_open: list[str] = field(default_factory=list)
    smm_orders: list[int] = field(default_factory=list)
    v2_orders: list[int] = field(default_factory=list)
    acc_orders: list[int] = field(default_factory=list)


@dataclass
class Catalog:
    smm_services: list[dict[str, Any]] = field(default_factory=list)  # id, min, max
    smm_cancellable: list[dict[str, Any]] = field(default_factory=list)  # ordered and cancelled via /api/v2
    otp_pairs: list[tuple[int, int]] = field(default_factory=list)  # (country id, service id)
    acc_products: list[dict[str, Any]] = field(default_factory=list)  # id, min, max, stock


def seed(
    database_url: str, secret_key_file: Path, n_customers: int, rng: random.Random, fakes: Fakes
) -> tuple[list[Customer], Catalog]:
    """Customers first (each through the customers service), then the whole catalog in one unit of work."""
    box = open_secret_box(secret_key_file)
    db = open_database(database_url, pool_size=1)
    try:
        customers = [_customer(db, i, rng) for i in range(n_customers)]
        return customers, db.write_sync(_catalog, box=box, fakes=fakes)
    finally:
        db.close()


def _customer(db: Database, i: int, rng: random.Random) -> Customer:
    # Most customers can afford a good number of orders; a fifth run dry quickly, so that
    # "Insufficient balance" races with concurrent debits and top-ups.
    balance = Decimal(rng.choice([40, 75, 120])) if i % 5 == 0 else Decimal(rng.randint(800, 3000))
    balance += Decimal(rng.randint(0, 99)) / 100
    name = f"scale-{i:04d}"
    key = db.write_sync(customers_service.create_customer, name=name, initial_balance=balance)
    return Customer(db.read_sync(customers_service.customer_id_by_name, name=name), name, key)


def _catalog(conn: Conn, *, box: SecretBox, fakes: Fakes) -> Catalog:
    cat = Catalog()
    t = now()

    def provider(name: str, kind: str, base: str | None, path: str, key: str) -> int:
        """A fake upstream as a provider; the built-in simulator when that fake is missing."""
        if base is None:
            return simulator_id(conn)
        pid = int(
            conn.scalar(
                "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (name, kind, base + path, box.encrypt(key), "NGN", "1", True, t),
            )
        )
        fakes.provider_ids[base] = pid
        return pid

    smm_provider = provider("fake-smm", "smm-v2", fakes.smm_base, "/api/v2", SMM_KEY)
    smm2_provider = provider("fake-smm-b", "smm-v2", fakes.smm2_base, "/api/v2", SMM_KEY)
    sms_provider = provider("fake-sms", "sms-activate", fakes.sms_base, SMS_PATH, SMS_KEY)
    _smm_services(conn, cat, smm_provider, smm2_provider, t)
    _otp_services(conn, cat, sms_provider)
    _account_products(conn, cat, box, t)
    return cat


def _smm_services(conn: Conn, cat: Catalog, smm_provider: int, smm2_provider: int, t: float) -> None:
    # Odd rates so that charges and partial refunds exercise rounding. The last service, on the second fake
    # panel, is the one customers may cancel (through /api/v2).
    for n, (rate, lo, hi, prov, up) in enumerate(
        [
            (12345, 100, 5000, smm_provider, "1"),
            (777, 50, 10000, smm_provider, "2"),
            (250001, 10, 500, smm_provider, "3"),
            (4321, 100, 3000, smm2_provider, "1"),
        ],
        start=1,
    ):
        cancellable = n == 4
        sid = conn.scalar(
            "INSERT INTO smm_services (name, category, type, rate_cents, min_quantity, max_quantity, "
            "description, active, provider_id, upstream_service, cost_rate, cancel, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                f"Scale service {n}",
                "Scale",
                "Default",
                rate,
                lo,
                hi,
                "",
                True,
                prov,
                up,
                str(Decimal(rate) / 200),
                cancellable,
                t,
            ),
        )
        (cat.smm_cancellable if cancellable else cat.smm_services).append({"id": int(sid), "min": lo, "max": hi})


def _otp_services(conn: Conn, cat: Catalog, sms_provider: int) -> None:
    """Two countries x two services."""
    for code, cname in (("US", "United States"), ("GB", "United Kingdom")):
        country = conn.scalar(
            "INSERT INTO otp_countries (name, code, active) VALUES (?, ?, ?) RETURNING id", (cname, code, True)
        )
        for scode, sname, price in (("wa", "WhatsApp", 351), ("tg", "Telegram", 1999)):
            service = conn.scalar(
                "INSERT INTO otp_services (country_id, name, code, price_cents, active) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (country, sname, scode, price, True),
            )
            conn.execute(
                "INSERT INTO otp_service_providers (otp_service_id, provider_id, upstream_service, "
                "upstream_country, priority) VALUES (?, ?, ?, ?, ?)",
                (service, sms_provider, scode, "12" if code == "US" else "16", 0),
            )
            cat.otp_pairs.append((int(country), int(service)))


def _account_products(conn: Conn, cat: Catalog, box: SecretBox, t: float) -> None:
    """Scarce stock, so that purchases race for the last items."""
    category = conn.scalar("INSERT INTO account_categories (name, icon) VALUES (?, ?) RETURNING id", ("Scale", "users"))
    for n, (price, stock) in enumerate([(777, 120), (2501, 80), (99, 200)], start=1):
        pid = conn.scalar(
            "INSERT INTO account_products (category_id, name, price_cents, min_quantity, max_quantity, "
            "description, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (category, f"Scale product {n}", price, 1, 3, "", True, t),
        )
        rows = []
        for k in range(stock):
            secret = f"p{n}-user{k}@example.test:pw{k}"
            rows.append((pid, box.encrypt(secret), box.fingerprint(secret), t))
        conn.executemany(
            "INSERT INTO stock_items (product_id, secret_encrypted, fingerprint, created_at) VALUES (?, ?, ?, ?)",
            rows,
        )
        cat.acc_products.append({"id": int(pid), "min": 1, "max": 3, "stock": stock})
