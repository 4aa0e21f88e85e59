"""Rows read as typed values: one statement, its rows converted once into a msgspec Struct.

The drivers answer mappings (``sqlite3.Row``, psycopg's dict rows) whose values differ by backend (SQLite
has no booleans, PostgreSQL no floats where a column is numeric text); msgspec's lax conversion turns
either into the Struct's declared types (0/1 into bool, "1.50" into Decimal, whole numbers into float),
and refuses a row that does not fit. Columns the Struct does not declare are ignored. For the busiest
reads a domain's ``queries.py`` builds NamedTuples by hand instead (a few hundred nanoseconds against a
few microseconds); every other read goes through here.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from flashpanel.db.runner import Conn, Params, Row

S = TypeVar("S", bound=msgspec.Struct)


def as_struct(row: Row, struct: type[S]) -> S:
    return msgspec.convert(row if isinstance(row, dict) else dict(row), struct, strict=False)


def one_as(conn: Conn, struct: type[S], sql: str, params: Params = ()) -> S | None:
    """The statement's first row as ``struct``, or None."""
    row = conn.one(sql, params)
    return None if row is None else as_struct(row, struct)


def all_as(conn: Conn, struct: type[S], sql: str, params: Params = ()) -> list[S]:
    """Every row of the statement as ``struct``."""
    return [as_struct(row, struct) for row in conn.all(sql, params)]


class RowId(msgspec.Struct, frozen=True):
    """A row known by its id only (the first step of a claim: select ids, then update each)."""

    id: int
