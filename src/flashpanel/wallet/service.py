"""Wallet reads for the API."""

from __future__ import annotations

from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn
from flashpanel.wallet import ledger


def balance_for_key(conn: Conn, *, key_digest: str) -> int:
    """Authenticate and read the balance (cents) in one unit of work."""
    return ledger.balance_cents(conn, customer_id=authenticate(conn, key_digest=key_digest))
