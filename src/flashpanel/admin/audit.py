"""The audit log: who did what to which object, before and after, when, from where.

:func:`record` runs on the caller's connection, so an action and its row commit or roll back together.
Rows are only ever inserted: nothing here updates or deletes one (PostgreSQL refuses both, 0012).
A form's one-time ``request_id`` is unique in the log, so a form submitted twice (a double click, a
resent request) fails the second time with :class:`AlreadySubmitted` and its whole unit rolls back."""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from flashpanel.db.runner import Conn, is_unique_violation, now
from flashpanel.db.typed import all_as
from flashpanel.errors import FlashpanelError

Outcome = Literal["done", "refused"]
# The object_id column's length: a refusal names its object by what was typed (a new service's name),
# which may be longer; the row keeps its start rather than fail the refusal's own audit.
OBJECT_ID_LENGTH = 64


class AlreadySubmitted(FlashpanelError):
    status_code = 409
    message = "This form was already submitted: nothing was done a second time"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an operator of the back office (``role`` checked by admin/roles.py) or the CLI."""

    name: str  # the operator's name, or "cli:<system user>"
    role: str
    address: str | None = None
    operator_id: int | None = None


def cli_actor() -> Actor:
    """The CLI acts as ``cli:<system user>`` with every permission: whoever has the shell has the database."""
    try:
        user = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        user = str(os.getuid())
    return Actor(name=f"cli:{user}", role="owner")


class AuditRow(msgspec.Struct, frozen=True):
    id: int
    created_at: float
    actor: str
    action: str
    object_kind: str | None
    object_id: str | None
    before: str | None
    after: str | None
    note: str | None
    address: str | None
    outcome: str


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def record(
    conn: Conn,
    *,
    actor: Actor,
    action: str,
    object_kind: str | None = None,
    object_id: int | str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str | None = None,
    outcome: Outcome = "done",
    request_id: str | None = None,
) -> int:
    """Append one row; returns its id. Raises :class:`AlreadySubmitted` for a ``request_id`` seen before."""
    if request_id is not None and conn.one("SELECT 1 FROM audit_log WHERE request_id = ?", (request_id,)):
        raise AlreadySubmitted()
    try:
        audit_id = conn.scalar(
            "INSERT INTO audit_log (created_at, actor, action, object_kind, object_id, before, after, note, address, "
            "outcome, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                now(),
                actor.name,
                action,
                object_kind,
                None if object_id is None else str(object_id)[:OBJECT_ID_LENGTH],
                _json(before),
                _json(after),
                note,
                actor.address,
                outcome,
                request_id,
            ),
        )
    except Exception as exc:
        if is_unique_violation(exc):  # the same form, committed by a racing request (PostgreSQL)
            raise AlreadySubmitted() from None
        raise
    assert audit_id is not None
    return int(audit_id)


def refuse_a_seen_form(conn: Conn, *, request_id: str | None) -> None:
    """Raise :class:`AlreadySubmitted` when this form's id is already in the log: an action calls it
    first, so a resubmitted form is refused before anything else is looked at."""
    if request_id is not None and conn.one("SELECT 1 FROM audit_log WHERE request_id = ?", (request_id,)):
        raise AlreadySubmitted()


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    object_kind: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    since: float | None = None
    until: float | None = None


def _where(flt: AuditFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("actor", flt.actor),
        ("action", flt.action),
        ("object_kind", flt.object_kind),
        ("object_id", flt.object_id),
        ("outcome", flt.outcome),
    ):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if flt.since is not None:
        clauses.append("created_at >= ?")
        params.append(flt.since)
    if flt.until is not None:
        clauses.append("created_at < ?")
        params.append(flt.until)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


_COLUMNS = "id, created_at, actor, action, object_kind, object_id, before, after, note, address, outcome"


class _Action(msgspec.Struct, frozen=True):
    action: str


def entries(conn: Conn, *, flt: AuditFilter, before_id: int | None = None, limit: int = 50) -> list[AuditRow]:
    """Rows matching ``flt``, newest first, older than ``before_id`` when given."""
    where, params = _where(flt)
    if before_id is not None:
        where += (" AND" if where else " WHERE") + " id < ?"
        params.append(before_id)
    return all_as(conn, AuditRow, f"SELECT {_COLUMNS} FROM audit_log{where} ORDER BY id DESC LIMIT ?", (*params, limit))


CSV_HEADER = (
    "id",
    "created_at",
    "actor",
    "action",
    "object_kind",
    "object_id",
    "before",
    "after",
    "note",
    "address",
    "outcome",
)
EXPORT_LIMIT = 100_000


def export_csv(conn: Conn, *, flt: AuditFilter) -> str:
    """Every row matching ``flt`` (at most ``EXPORT_LIMIT``, newest first) as CSV, times in UTC ISO 8601."""
    from datetime import UTC, datetime

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in entries(conn, flt=flt, limit=EXPORT_LIMIT):
        writer.writerow(
            [
                row.id,
                datetime.fromtimestamp(row.created_at, UTC).isoformat(timespec="seconds"),
                *(
                    _csv_safe(v)
                    for v in (
                        row.actor,
                        row.action,
                        row.object_kind,
                        row.object_id,
                        row.before,
                        row.after,
                        row.note,
                        row.address,
                        row.outcome,
                    )
                ),
            ]
        )
    return buffer.getvalue()


def _csv_safe(value: str | None) -> str:
    """A cell a spreadsheet will not run as a formula (a note typed as ``=HYPERLINK(...)``)."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def iter_actions(conn: Conn) -> Iterator[str]:
    """The actions recorded so far (for the filter's choices)."""
    for row in all_as(conn, _Action, "SELECT DISTINCT action FROM audit_log ORDER BY action"):
        yield row.action
