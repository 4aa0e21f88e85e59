"""Wallet reads for the API."""

from __future__ import annotations

from flashpanel.db.runner import Conn
from flashpanel.errors import InvalidApiKey


def balance_for_key(conn: Conn, *, key_digest: str) -> int:
    """Authenticate and read the balance (cents) in one statement (``Database.lookup``): the
    busiest call of the API, polled by bots. The key check is ``customers.service.authenticate``'s."""
    value = conn.scalar("SELECT balance_cents FROM customers WHERE api_key_digest = ? AND active", (key_digest,))
    if value is None:
        raise InvalidApiKey()
    return int(value)
