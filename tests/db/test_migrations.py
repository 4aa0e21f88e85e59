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
