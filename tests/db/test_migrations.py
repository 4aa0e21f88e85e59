from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from flashpanel.db.migrate import upgrade
from flashpanel.db.runner import sqlalchemy_url
from flashpanel.db.tables import metadata


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
