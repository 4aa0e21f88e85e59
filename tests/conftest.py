"""Shared fixtures. The whole suite runs on one backend per invocation:

- SQLite (default): each test gets a copy of a database file migrated once per session.
- PostgreSQL + Redis: set FLASHPANEL_TEST_POSTGRES_URL (a scratch database the suite may wipe) and
  FLASHPANEL_TEST_REDIS_URL. Each test starts from empty tables and an empty rate-limit store.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import redis
from litestar import Litestar

from flashpanel.app import create_app, start, stop
from flashpanel.config import Settings, get_settings
from flashpanel.customers import service as customers
from flashpanel.db.migrate import upgrade
from flashpanel.db.runner import Database, open_database
from flashpanel.db.tables import metadata
from tests.helpers import asgi_transport

POSTGRES_URL = os.environ.get("FLASHPANEL_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("FLASHPANEL_TEST_REDIS_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last. Playwright's sync API keeps its event loop running on the main thread for
    as long as the session's one browser is open, and an asyncio test after it could not start its own."""
    items.sort(key=lambda item: "browser" in item.path.parent.parts[-1:])


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"flashpanel backend: PostgreSQL ({POSTGRES_URL}) + Redis ({REDIS_URL})"
    return "flashpanel backend: SQLite (set FLASHPANEL_TEST_POSTGRES_URL for PostgreSQL)"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process tests hash with Argon2id at its cheapest, so that dozens of sign-ups cost milliseconds.
    The panel's real cost (argon2-cffi's RFC 9106 profile) runs in the browser tests' server processes
    and is checked in tests/customers/test_passwords.py."""
    from argon2 import PasswordHasher

    from flashpanel.customers import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated once per session: a SQLite file to copy, or the PostgreSQL database."""
    if POSTGRES_URL:
        upgrade(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _truncate_postgres(url: str) -> None:
    import psycopg

    from flashpanel.db.runner import postgres_dsn

    names = ", ".join(t.name for t in metadata.sorted_tables)
    with psycopg.connect(postgres_dsn(url), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if POSTGRES_URL:
        _truncate_postgres(POSTGRES_URL)
        return POSTGRES_URL
    target = tmp_path / "flashpanel.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        secret_key_file=tmp_path / "secret.key",
        demo_key_file=tmp_path / "demo.key",
        run_worker=False,
        simulator_smm_seconds=60,
        simulator_sms_delay_seconds=20,
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """A direct handle on the test database (for arranging data and checking what was written)."""
    database = open_database(settings.database_url, pool_size=2)
    yield database
    database.close()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    app = create_app(settings, run_worker=False)
    app.state.test_settings = settings
    return app


def app_settings(app: Litestar) -> Settings:
    settings: Settings = app.state.test_settings
    return settings


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Real HTTP requests to the app, served in the test's own event loop (start-up and shutdown
    included), so tests can drive the app's background loops directly."""
    if REDIS_URL:
        redis.Redis.from_url(REDIS_URL).flushdb()
    transport = asgi_transport(app, client=("127.0.0.1", 50000))
    start(app, app_settings(app), run_worker=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
            yield test_client
    finally:
        await stop(app)


@pytest.fixture
def make_customer(db: Database) -> Callable[..., str]:
    """Create a customer and return their API key: ``make_customer("alice", balance="100.00")``."""
    counter = iter(range(1, 1_000_000))

    def make(name: str | None = None, *, balance: str | Decimal = "0") -> str:
        return db.write_sync(
            customers.create_customer,
            name=name or f"customer-{next(counter)}",
            initial_balance=Decimal(balance),
        )

    return make


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the ``flashpanel`` CLI at the test database and key files (use with ``tests.helpers.run_cli``)."""
    monkeypatch.setenv("FLASHPANEL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FLASHPANEL_SECRET_KEY_FILE", str(settings.secret_key_file))
    monkeypatch.setenv("FLASHPANEL_DEMO_KEY_FILE", str(settings.demo_key_file))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
