"""Demo data: a neutral, fictional catalog and a demo customer, so a fresh install can sell at once."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from flashpanel.accounts import demo as accounts_demo
from flashpanel.crypto import SecretBox
from flashpanel.customers import service as customers
from flashpanel.db.runner import Conn
from flashpanel.otp import demo as otp_demo
from flashpanel.smm import demo as smm_demo

DEMO_CUSTOMER = "demo"
DEMO_BALANCE = Decimal("15000.00")


def seed_catalog(conn: Conn, *, secrets: SecretBox) -> None:
    """Idempotent: running it twice adds nothing the second time."""
    smm_demo.seed(conn)
    otp_demo.seed(conn)
    accounts_demo.seed(conn, secrets=secrets)


def ensure_demo_customer(conn: Conn, *, key_file: Path) -> str:
    """Create the demo customer once; return its key, kept in ``key_file`` (0600) so that later
    runs can print it again. If the file was lost, the key is rotated and the file rewritten."""
    exists = conn.one("SELECT 1 FROM customers WHERE name = ?", (DEMO_CUSTOMER,)) is not None
    if exists and key_file.exists():
        return key_file.read_text().strip()
    if exists:
        key = customers.rotate_key(conn, name=DEMO_CUSTOMER)
    else:
        key = customers.create_customer(conn, name=DEMO_CUSTOMER, initial_balance=DEMO_BALANCE)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
