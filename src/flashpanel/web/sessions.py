"""Server-side web sessions, stored in the database (``web_sessions``).

The browser holds a random token in an HttpOnly cookie; the database holds only its SHA-256 digest,
the realm ("customer" for the panel, "operator" for the back office), the subject's id, and the
times that end it: ``last_seen_at`` + the policy's idle limit, and ``expires_at`` (absolute). Ending
sessions is a DELETE, so "log out", "a changed password ends every other session" and "disable a
customer" take effect on the very next request, in every process.

These are plain units of work (``fn(conn, **kwargs)``); ``web/auth.py`` does the cookies.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import msgspec

from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import one_as


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How one realm's sessions behave. The back office defines its own (own cookie, shorter idle)."""

    realm: str
    cookie_name: str
    idle_seconds: float
    max_seconds: float
    # last_seen_at is written at most this often, so browsing costs a write a minute, not one a page.
    touch_every_seconds: float = 60.0


class ActiveSession(msgspec.Struct, frozen=True):
    token_digest: str
    subject_id: int
    created_at: float
    last_seen_at: float
    expires_at: float


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Conn, *, policy: SessionPolicy, subject_id: int) -> str:
    """Open a session for ``subject_id``; returns the token for the cookie (only ever held by the browser).

    Sessions of the realm that have already ended are swept here, so the table holds live ones."""
    at = now()
    conn.execute(
        "DELETE FROM web_sessions WHERE realm = ? AND (expires_at <= ? OR last_seen_at <= ?)",
        (policy.realm, at, at - policy.idle_seconds),
    )
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO web_sessions (token_digest, realm, subject_id, created_at, last_seen_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (token_digest(token), policy.realm, subject_id, at, at, at + policy.max_seconds),
    )
    return token


def find_session(conn: Conn, *, policy: SessionPolicy, token_digest: str, at: float) -> ActiveSession | None:
    """The live session with this digest in the policy's realm, or None (unknown, idle too long, expired)."""
    session = one_as(
        conn,
        ActiveSession,
        "SELECT token_digest, subject_id, created_at, last_seen_at, expires_at FROM web_sessions "
        "WHERE token_digest = ? AND realm = ?",
        (token_digest, policy.realm),
    )
    if session is None or session.expires_at <= at or session.last_seen_at <= at - policy.idle_seconds:
        return None
    return session


def touch_session(conn: Conn, *, token_digest: str, at: float) -> None:
    conn.execute("UPDATE web_sessions SET last_seen_at = ? WHERE token_digest = ?", (at, token_digest))


def end_session(conn: Conn, *, token_digest: str) -> None:
    conn.execute("DELETE FROM web_sessions WHERE token_digest = ?", (token_digest,))


def end_subject_sessions(conn: Conn, *, realm: str, subject_id: int, keep_token_digest: str | None = None) -> int:
    """End every session of the subject in the realm except ``keep_token_digest``; returns how many."""
    cursor = conn.execute(
        "DELETE FROM web_sessions WHERE realm = ? AND subject_id = ? AND token_digest <> ?",
        (realm, subject_id, keep_token_digest or ""),
    )
    return int(cursor.rowcount)
