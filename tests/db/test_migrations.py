from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from flashpanel.db.migrate import upgrade
from flashpanel.db.runner import Conn, open_database, postgres_dsn, sqlalchemy_url
from flashpanel.db.tables import metadata
from flashpanel.otp import catalog as otp_catalog
from flashpanel.smm import service as smm_service
from tests.conftest import POSTGRES_URL


def test_migrations_create_every_table_the_code_defines(database_url: str) -> None:
    upgrade(database_url)  # already at head: a no-op that must not fail
    engine = sa.create_engine(sqlalchemy_url(database_url))
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables


def test_migrations_run_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'fresh.db'}"
    upgrade(url)
    engine = sa.create_engine(url)
    try:
        assert "customers" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_history_sequence_migration_numbers_existing_orders_per_customer(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    raw = sqlite3.connect(tmp_path / "old.db")
    raw.execute(
        "INSERT INTO customers (id, name, api_key_digest, created_at) VALUES (1, 'a', 'da', 0), (2, 'b', 'db', 0)"
    )
    raw.execute(
        "INSERT INTO smm_services (id, name, category, rate_cents, min_quantity, max_quantity, created_at) "
        "VALUES (1, 's', 'c', 100, 1, 10, 0)"
    )
    for order_id, customer in [(1, 1), (2, 2), (3, 1), (4, 1), (5, 2)]:
        raw.execute(
            "INSERT INTO smm_orders (id, customer_id, service_id, link, quantity, charge_cents, status, remains, "
            "created_at, updated_at) VALUES (?, ?, 1, 'https://e.com', 1, 1, 'completed', 0, 0, 0)",
            (order_id, customer),
        )
    raw.commit()
    raw.close()
    upgrade(url)
    raw = sqlite3.connect(tmp_path / "old.db")
    assert raw.execute("SELECT id, customer_seq FROM smm_orders ORDER BY id").fetchall() == [
        (1, 1),
        (2, 1),
        (3, 2),
        (4, 3),
        (5, 2),
    ]
    assert raw.execute("SELECT id, smm_orders_count FROM customers ORDER BY id").fetchall() == [(1, 3), (2, 2)]
    raw.close()


def test_e164_migration_gives_stored_phone_numbers_their_plus(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    raw = sqlite3.connect(tmp_path / "old.db")
    stored = ["79991234567", "+12025550123", "7 999 123-45-67", "0044 20 7946 0000", "unreadable", None]
    for n, number in enumerate(stored):
        raw.execute(
            "INSERT INTO otp_orders (request_id, customer_id, otp_service_id, country_id, phone_number, "
            "charge_cents, status, created_at, updated_at) VALUES (?, 1, 1, 1, ?, 100, 'waiting', 0, 0)",
            (f"r{n}", number),
        )
    raw.commit()
    raw.close()
    upgrade(url)
    raw = sqlite3.connect(tmp_path / "old.db")
    assert [r[0] for r in raw.execute("SELECT phone_number FROM otp_orders ORDER BY id")] == [
        "+79991234567",
        "+12025550123",
        "+79991234567",
        "+442079460000",
        "unreadable",
        None,
    ]
    raw.close()


def test_sqlite_files_flashpanel_creates_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    import os

    from flashpanel.db.runner import open_database

    previous = os.umask(0o022)  # the usual umask, which would leave a new file world-readable
    try:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        upgrade(url)
        db = open_database(url)
        try:
            db.write_sync(lambda c: c.execute("UPDATE customers SET active = active"))
            files = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
        finally:
            db.close()
    finally:
        os.umask(previous)
    assert files == {"fresh.db": 0o600, "fresh.db-wal": 0o600, "fresh.db-shm": 0o600}


@pytest.fixture
def old_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of its own at revision 0006: a file on SQLite, a sibling database
    ``<scratch>_m0008`` on PostgreSQL (dropped afterwards)."""
    if not POSTGRES_URL:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0006")
        yield url
        return
    import psycopg

    base, _, name = POSTGRES_URL.rpartition("/")
    scratch = f"{name}_m0008"
    with psycopg.connect(postgres_dsn(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    url = f"{base}/{scratch}"
    try:
        upgrade(url, "0006")
        yield url
    finally:
        with psycopg.connect(postgres_dsn(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _simulator_era_panel(conn: Conn) -> None:
    """What a panel looked like when "no provider" meant the simulator, beside a real provider's goods."""
    conn.execute("INSERT INTO customers (id, name, api_key_digest, created_at) VALUES (1, 'a', 'da', 0)")
    up = conn.scalar(  # no explicit id: the migration inserts into this table after it
        "INSERT INTO providers (name, kind, url, exchange_rate, active, created_at) "
        "VALUES ('up', 'smm-v2', 'https://up.example/api/v2', '1', ?, 0) RETURNING id",
        (True,),
    )
    for service_id, provider in ((1, None), (2, up)):
        conn.execute(
            "INSERT INTO smm_services (id, name, category, rate_cents, min_quantity, max_quantity, active, "
            "provider_id, created_at) VALUES (?, ?, 'c', 100, 1, 10, ?, ?, 0)",
            (service_id, f"s{service_id}", True, provider),
        )
        conn.execute(
            "INSERT INTO smm_orders (id, customer_id, service_id, link, quantity, charge_cents, status, remains, "
            "provider_id, upstream_order_id, created_at, updated_at) "
            "VALUES (?, 1, ?, 'https://example.com', 1, 1, 'in_progress', 1, ?, ?, 0, 0)",
            (service_id, service_id, provider, f"u{service_id}"),
        )
    conn.execute("INSERT INTO otp_countries (id, name, code, active) VALUES (1, 'United States', 'US', ?)", (True,))
    for service_id, code in ((1, "chat"), (2, "mail")):
        conn.execute(
            "INSERT INTO otp_services (id, country_id, name, code, price_cents, active) VALUES (?, 1, ?, ?, 100, ?)",
            (service_id, code, code, True),
        )
    conn.execute(
        "INSERT INTO otp_service_providers (otp_service_id, provider_id, upstream_service, upstream_country, priority) "
        "VALUES (2, ?, 'ml', '187', 0)",
        (up,),
    )
    for order_id, status, activation in ((1, "waiting", "sim-1"), (2, "failed", None)):
        conn.execute(
            "INSERT INTO otp_orders (id, request_id, customer_id, otp_service_id, country_id, charge_cents, status, "
            "upstream_activation_id, created_at, updated_at) VALUES (?, ?, 1, 1, 1, 100, ?, ?, 0, 0)",
            (order_id, f"r{order_id}", status, activation),
        )


def test_the_simulator_migration_binds_what_the_simulator_sold_and_nothing_else(old_database: str) -> None:
    db = open_database(old_database, pool_size=1)
    try:
        db.write_sync(_simulator_era_panel)
    finally:
        db.close()
    upgrade(old_database)
    db = open_database(old_database, pool_size=1)
    try:
        providers = db.read_sync(lambda c: c.all("SELECT id, name, kind FROM providers ORDER BY id"))
        assert [(r["name"], r["kind"]) for r in providers] == [("up", "smm-v2"), ("simulator", "simulator")]
        up, simulator = (int(r["id"]) for r in providers)
        smm = db.read_sync(lambda c: c.all("SELECT id, provider_id FROM smm_services ORDER BY id"))
        assert [r["provider_id"] for r in smm] == [simulator, up]
        orders = db.read_sync(lambda c: c.all("SELECT id, provider_id FROM smm_orders ORDER BY id"))
        assert [r["provider_id"] for r in orders] == [simulator, up]
        mappings = db.read_sync(
            lambda c: c.all(
                "SELECT otp_service_id, provider_id, upstream_country, upstream_service FROM otp_service_providers "
                "ORDER BY otp_service_id"
            )
        )
        assert [tuple(r.values()) for r in map(dict, mappings)] == [(1, simulator, "US", "chat"), (2, up, "187", "ml")]
        otp_orders = db.read_sync(lambda c: c.all("SELECT id, provider_id FROM otp_orders ORDER BY id"))
        assert [r["provider_id"] for r in otp_orders] == [simulator, None]  # the failed one never had a number
        # With the simulators on, the panel sells what it sold before; with them off, only the real provider's.
        on = db.read_sync(smm_service.active_services, simulators=True)
        off = db.read_sync(smm_service.active_services, simulators=False)
        assert ([s["service_id"] for s in on], [s["service_id"] for s in off]) == ([1, 2], [2])
        otp_on = db.read_sync(otp_catalog.services_of_country, country_id=1, simulators=True)
        otp_off = db.read_sync(otp_catalog.services_of_country, country_id=1, simulators=False)
        assert ([o.service_id for o in otp_on], [o.service_id for o in otp_off]) == ([1, 2], [2])
    finally:
        db.close()


def test_a_fresh_database_gets_no_simulator_row(database_url: str) -> None:
    db = open_database(database_url, pool_size=1)
    try:
        assert db.read_sync(lambda c: c.all("SELECT * FROM providers")) == []
    finally:
        db.close()
