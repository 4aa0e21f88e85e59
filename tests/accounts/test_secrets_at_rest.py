"""Stocked items are secrets: encrypted at rest, unreadable without the key, decrypted only for the buyer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken

from flashpanel.accounts import service
from flashpanel.config import Settings
from flashpanel.crypto import SecretBox
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database, sqlite_path
from tests.accounts.conftest import Stocked


def _rows(db: Database) -> list[dict[str, object]]:
    return db.read_sync(lambda c: [dict(r) for r in c.all("SELECT * FROM stock_items ORDER BY id")])


async def test_items_at_rest_are_unreadable_without_the_key(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    secrets: SecretBox,
    make_customer: Callable[..., str],
    stocked: Callable[..., Stocked],
) -> None:
    shop = stocked(items=3, price="1")
    key = make_customer(balance="10")
    bought = await client.post(
        "/api/v1/accounts/purchase", json={"key": key, "product": shop.product_id, "quantity": 1}
    )
    assert bought.status_code == 200  # one sold, two unsold: both kinds must stay encrypted

    rows = _rows(db)
    assert len(rows) == 3
    stored = " ".join(str(v) for row in rows for v in row.values())
    for line in shop.lines:
        email, _, password = line.partition(":")
        assert email not in stored and password not in stored
    # the tokens open with the panel's key and with no other
    assert [secrets.decrypt(str(r["secret_encrypted"])) for r in rows] == shop.lines
    stranger = SecretBox(Fernet.generate_key())
    with pytest.raises(InvalidToken):
        stranger.decrypt(str(rows[0]["secret_encrypted"]))
    # the fingerprint is keyed: another key gives another fingerprint for the same line
    assert rows[0]["fingerprint"] == secrets.fingerprint(shop.lines[0]) != stranger.fingerprint(shop.lines[0])

    if not db.is_postgres:  # the database files themselves (WAL included) never hold the plaintext
        path = Path(sqlite_path(settings.database_url))
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        for line in shop.lines:
            assert line.split(":", 1)[0].encode() not in raw


def test_a_purchase_that_cannot_decrypt_its_items_is_rolled_back_and_charges_nothing(
    db: Database, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=2, price="1")
    key = make_customer(balance="10")
    with pytest.raises(InvalidToken):  # e.g. the key file was replaced: the items cannot be delivered
        db.write_sync(
            service.purchase,
            key_digest=key_digest(key),
            product_id=shop.product_id,
            quantity=1,
            secrets=SecretBox(Fernet.generate_key()),
        )
    counts = db.read_sync(
        lambda c: (
            c.scalar("SELECT COUNT(*) FROM account_orders"),
            c.scalar("SELECT COUNT(*) FROM stock_items WHERE order_id IS NOT NULL"),
            c.scalar("SELECT SUM(balance_cents) FROM customers"),
        )
    )
    assert counts == (0, 0, 1000)
