"""Stock items: importing credentials (encrypted, de-duplicated) and claiming them for an order.

Each item is one ``login:password`` line, stored as a Fernet token (``secret_encrypted``) next to a keyed
fingerprint of the plaintext. The fingerprint is unique per product and is never deleted, so a credential
already sold is never imported (and sold) again. Plaintext exists only in the importing process and in
the buyer's response; nothing here logs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import all_as
from flashpanel.errors import NotFound

_LOOKUP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    skipped: int


def stock_lines(text: str) -> list[str]:
    """One item per line; surrounding whitespace (and ``\\r``) trimmed, blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def add_stock(conn: Conn, *, product_id: int, lines: Iterable[str], secrets: SecretBox) -> ImportResult:
    """Encrypt and store the items of ``lines`` for a product (active or not).

    Duplicates — of an item already stocked for this product (sold or not), or of an earlier line of
    the same batch — are skipped and counted. Raises :class:`NotFound` for an unknown product."""
    if conn.one("SELECT 1 FROM account_products WHERE id = ?", (product_id,)) is None:
        raise NotFound(f"Product {product_id} not found")
    batch: dict[str, str] = {}
    skipped = 0
    for line in lines:
        item = line.strip()
        if not item:
            continue
        fingerprint = secrets.fingerprint(item)
        if fingerprint in batch:
            skipped += 1
        else:
            batch[fingerprint] = item
    fingerprints = list(batch)
    for start in range(0, len(fingerprints), _LOOKUP_CHUNK):
        chunk = fingerprints[start : start + _LOOKUP_CHUNK]
        placeholders = ", ".join("?" * len(chunk))
        for held in all_as(
            conn,
            _Held,
            f"SELECT fingerprint FROM stock_items WHERE product_id = ? AND fingerprint IN ({placeholders})",
            (product_id, *chunk),
        ):
            del batch[held.fingerprint]
            skipped += 1
    created_at = now()
    conn.executemany(
        "INSERT INTO stock_items (product_id, secret_encrypted, fingerprint, created_at) VALUES (?, ?, ?, ?)",
        [(product_id, secrets.encrypt(item), fingerprint, created_at) for fingerprint, item in batch.items()],
    )
    return ImportResult(added=len(batch), skipped=skipped)


def has_unsold(conn: Conn, *, product_id: int, quantity: int) -> bool:
    """Whether at least ``quantity`` items are unsold, reading no more than ``quantity`` index entries
    (a full count costs ~14 ms at 200k items, on every purchase)."""
    found = conn.scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM stock_items WHERE product_id = ? AND order_id IS NULL LIMIT ?) AS s",
        (product_id, quantity),
    )
    return int(found) >= quantity


def claim(conn: Conn, *, product_id: int, order_id: int, quantity: int) -> list[str]:
    """Mark up to ``quantity`` unsold items (oldest first) as sold to ``order_id``; return their encrypted
    tokens in stock order. The caller must check it got ``quantity`` of them and roll back otherwise.

    One statement: an item is taken only while ``order_id IS NULL``. On SQLite the single writer
    serialises claims; on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent buyers take different
    rows instead of queueing on (or double-taking) the same ones. The rows are picked in a
    ``MATERIALIZED`` CTE, which runs exactly once: as ``id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``
    the planner may re-run the locking subquery for every outer row, each run locking n more rows
    (docs/decisions.md, D11)."""
    items = all_as(
        conn,
        _Item,
        "WITH picked AS MATERIALIZED ("
        "SELECT id FROM stock_items WHERE product_id = ? AND order_id IS NULL ORDER BY id LIMIT ?"
        f"{conn.for_update_skip_locked}) "
        "UPDATE stock_items SET order_id = ?, sold_at = ? "
        "WHERE order_id IS NULL AND id IN (SELECT id FROM picked) "
        "RETURNING id, secret_encrypted",
        (product_id, quantity, order_id, now()),
    )
    return [item.secret_encrypted for item in sorted(items, key=lambda item: item.id)]


def items_of_orders(conn: Conn, *, order_ids: list[int]) -> dict[int, list[str]]:
    """The encrypted items delivered to each of these orders, in stock order."""
    delivered: dict[int, list[str]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return delivered
    placeholders = ", ".join("?" * len(order_ids))
    for item in all_as(
        conn,
        _Delivered,
        f"SELECT order_id, secret_encrypted FROM stock_items WHERE order_id IN ({placeholders}) ORDER BY id",
        order_ids,
    ):
        delivered[item.order_id].append(item.secret_encrypted)
    return delivered


def as_account(line: str) -> dict[str, str]:
    """A stored ``login:password`` line as the API's account object, split at the first colon (a
    password may contain colons). A line without a colon is all login, with an empty password."""
    email, _, password = line.partition(":")
    return {"email": email, "password": password}


class _Held(msgspec.Struct, frozen=True):
    fingerprint: str


class _Item(msgspec.Struct, frozen=True):
    id: int
    secret_encrypted: str


class _Delivered(msgspec.Struct, frozen=True):
    order_id: int
    secret_encrypted: str
