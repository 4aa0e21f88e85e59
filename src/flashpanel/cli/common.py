"""Shared CLI plumbing: open the (migrated) database, turn domain errors into one-line failures."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import NoReturn, ParamSpec, TypeVar

import typer

from flashpanel.config import Settings, get_settings
from flashpanel.crypto import SecretBox, open_secret_box
from flashpanel.db.migrate import DatabaseNotReady, display_url, require_current, upgrade
from flashpanel.db.runner import Database, open_database
from flashpanel.errors import FlashpanelError
from flashpanel.wallet.money import InvalidAmount, parse_amount

P = ParamSpec("P")
T = TypeVar("T")


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@contextmanager
def database(settings: Settings | None = None) -> Iterator[Database]:
    """The configured database, which must exist and be at this release's schema version: only
    `db upgrade` and `serve` migrate (:func:`migrate`); anything else fails in one line naming the URL."""
    settings = settings or get_settings()
    try:
        require_current(settings.database_url)
    except DatabaseNotReady as exc:
        fail(str(exc))
    db = open_database(settings.database_url, pool_size=1)
    try:
        yield db
    finally:
        db.close()


def migrate(settings: Settings | None = None) -> None:
    """Apply pending migrations (creating a SQLite database if needed) and say what was done, in one line."""
    url = (settings or get_settings()).database_url
    try:
        done = upgrade(url)
    except DatabaseNotReady as exc:
        fail(str(exc))
    except Exception as exc:  # unreachable database, bad URL, a migration that failed...
        fail(f"migrating {display_url(url)} failed: {exc.__class__.__name__}: {str(exc).strip().splitlines()[0]}")
    if not done.applied:
        typer.echo(f"database {display_url(url)} is at migration {done.after}: nothing to apply")
        return
    start = "an empty database" if done.before is None else f"migration {done.before}"
    typer.echo(
        f"database {display_url(url)}: applied {len(done.applied)} migration(s) to {start}: "
        f"{', '.join(done.applied)}; now at {done.after}"
    )


def write(fn: Callable[..., T], /, **kwargs: object) -> T:
    """Run one unit of work against the configured database; domain errors become a one-line exit 1."""
    with database() as db:
        try:
            return db.write_sync(fn, **kwargs)
        except FlashpanelError as exc:
            fail(exc.message)


def read(fn: Callable[..., T], /, **kwargs: object) -> T:
    with database() as db:
        try:
            return db.read_sync(fn, **kwargs)
        except FlashpanelError as exc:
            fail(exc.message)


def secret_box() -> SecretBox:
    return open_secret_box(get_settings().secret_key_file)


def amount(text: str, *, what: str = "amount", signed: bool = False) -> Decimal:
    """A money amount typed by the operator (``wallet.money.parse_amount``'s rules), or a one-line exit 1."""
    try:
        return parse_amount(text, signed=signed)
    except InvalidAmount as exc:
        fail(f"{what} {exc}")


def table(rows: list[tuple[object, ...]], header: tuple[str, ...]) -> None:
    """Print aligned columns."""
    cells = [tuple(str(c) for c in header)] + [tuple("" if c is None else str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
