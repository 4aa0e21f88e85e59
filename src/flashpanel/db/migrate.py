"""The schema's version: apply the Alembic migrations (same scripts on SQLite and PostgreSQL), or check
that a database is at the version this code needs.

Only ``flashpanel db upgrade`` and ``flashpanel serve`` migrate. Every other command checks with
:func:`require_current` and refuses a database that is missing or not at the head, so that a command run
in the wrong folder cannot quietly create a second, empty database (and a key the server rejects).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, pool

from flashpanel.db.runner import sqlalchemy_url, sqlite_path

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseNotReady(Exception):
    """The database cannot be used as it is; the message says what to do, in one line."""


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What :func:`upgrade` did: the revision before (None: no schema yet), after, and those applied."""

    before: str | None
    after: str | None
    applied: list[str]


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url))
    return config


def display_url(database_url: str) -> str:
    """The URL as it may be printed: any password replaced by ``***``."""
    if "@" not in database_url:
        return database_url
    return make_url(database_url).render_as_string(hide_password=True)


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migration scripts have one head"
    return head


def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None when it has no flashpanel schema. Never creates anything:
    a missing SQLite file raises :class:`DatabaseNotReady`."""
    if database_url.startswith("sqlite") and not Path(database_url.removeprefix("sqlite:///")).is_file():
        raise DatabaseNotReady(
            f"no flashpanel database at {database_url}: run `flashpanel db upgrade` to create it, "
            "or set FLASHPANEL_DATABASE_URL to your database"
        )
    engine = create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # unreachable server, bad URL, not a database file...
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DatabaseNotReady(f"cannot open database {display_url(database_url)}: {reason}") from None
    finally:
        engine.dispose()


def require_current(database_url: str) -> None:
    """Return if the database is at the head revision; raise :class:`DatabaseNotReady` otherwise."""
    current = current_revision(database_url)
    head = head_revision()
    if current == head:
        return
    url = display_url(database_url)
    if current is None:
        raise DatabaseNotReady(
            f"database {url} has no flashpanel schema: run `flashpanel db upgrade`, "
            "or set FLASHPANEL_DATABASE_URL to your database"
        )
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if current not in known:
        raise DatabaseNotReady(
            f"database {url} is at migration {current}, which this flashpanel does not know "
            f"(it needs {head}; was it migrated by a newer release?)"
        )
    raise DatabaseNotReady(
        f"database {url} is at migration {current}, this flashpanel needs {head}: run `flashpanel db upgrade`"
    )


def upgrade(database_url: str, revision: str = "head") -> Upgrade:
    """Apply the pending migrations up to ``revision``, creating the database first when it is a SQLite
    file that does not exist yet; report what was applied."""
    if database_url.startswith("sqlite"):
        sqlite_path(database_url)  # creates the parent folder
    try:
        before = current_revision(database_url)
    except DatabaseNotReady:
        before = None  # a SQLite file about to be created
    command.upgrade(alembic_config(database_url), revision)
    after = current_revision(database_url)
    scripts = ScriptDirectory(str(MIGRATIONS))
    applied = [s.revision for s in scripts.iterate_revisions(after, before)] if after != before else []
    return Upgrade(before=before, after=after, applied=list(reversed(applied)))
