"""Only `db upgrade` and `serve` migrate; every other command refuses a missing or unmigrated database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from flashpanel.config import get_settings
from flashpanel.db.migrate import display_url, upgrade
from flashpanel.db.runner import postgres_dsn, sqlalchemy_url
from tests.conftest import POSTGRES_URL
from tests.helpers import run_cli

# Commands that open the database, one per noun (the `dev fake-*` commands open none).
COMMANDS = [
    ("users", "create", "alice"),
    ("users", "list"),
    ("users", "show", "alice"),
    ("smm", "services", "list"),
    ("otp", "countries", "list"),
    ("accounts", "categories", "list"),
    ("providers", "list"),
    ("demo", "seed"),
    ("worker", "--once"),
]


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A URL where no flashpanel schema exists yet: a SQLite file not created, or an empty PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'elsewhere' / 'flashpanel.db'}"
        return
    import psycopg

    name = f"h13d_empty_{uuid.uuid4().hex[:10]}"
    base = POSTGRES_URL.rsplit("/", 1)[0]
    with psycopg.connect(postgres_dsn(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_dsn(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cli_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("FLASHPANEL_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("FLASHPANEL_DEMO_KEY_FILE", str(tmp_path / "demo.key"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _point_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("FLASHPANEL_DATABASE_URL", url)
    get_settings.cache_clear()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _one_line_failure(args: tuple[str, ...]) -> str:
    code, out, err = run_cli(*args)
    assert code != 0, out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.usefixtures("cli_on")
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_command_on_a_database_without_schema_fails_naming_the_url_and_creates_nothing(
    monkeypatch: pytest.MonkeyPatch, empty_database_url: str, command: tuple[str, ...]
) -> None:
    _point_at(monkeypatch, empty_database_url)
    line = _one_line_failure(command)
    assert display_url(empty_database_url) in line and "flashpanel db upgrade" in line
    if empty_database_url.startswith("sqlite"):
        assert not Path(empty_database_url.removeprefix("sqlite:///")).parent.exists()
    else:
        assert _tables(empty_database_url) == set()


@pytest.mark.usefixtures("cli_on")
def test_a_command_on_a_database_behind_the_code_fails_and_does_not_migrate_it(
    monkeypatch: pytest.MonkeyPatch, empty_database_url: str
) -> None:
    upgrade(empty_database_url, "0005")
    _point_at(monkeypatch, empty_database_url)
    line = _one_line_failure(("users", "list"))
    assert display_url(empty_database_url) in line and "0005" in line and "flashpanel db upgrade" in line
    engine = sa.create_engine(sqlalchemy_url(empty_database_url))
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0005"
    finally:
        engine.dispose()


@pytest.mark.usefixtures("cli_on")
def test_db_upgrade_says_what_it_applied_then_that_there_was_nothing_to_do(
    monkeypatch: pytest.MonkeyPatch, empty_database_url: str
) -> None:
    _point_at(monkeypatch, empty_database_url)
    code, out, err = run_cli("db", "upgrade")
    assert code == 0, err
    assert display_url(empty_database_url) in out
    assert "applied" in out and "0001" in out
    code, out, err = run_cli("db", "upgrade")
    assert code == 0, err
    assert "nothing to apply" in out
    code, out, err = run_cli("users", "create", "alice")
    assert code == 0, err


def test_a_password_in_the_database_url_is_never_printed() -> None:
    shown = display_url("postgresql://flashpanel:s3cret@db.example:5432/flashpanel")
    assert "s3cret" not in shown and "db.example" in shown and "flashpanel" in shown
    assert display_url("sqlite:///./flashpanel.db") == "sqlite:///./flashpanel.db"
