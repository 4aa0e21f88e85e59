"""Many buyers, little stock: every item is sold once, nobody is oversold, money and ledger stay exact."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from flashpanel.accounts import service, stock
from flashpanel.crypto import SecretBox
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database, open_database
from flashpanel.errors import FlashpanelError
from flashpanel.wallet import ledger
from tests.accounts.conftest import Stocked

ITEMS = 25
BUYERS = 8
ATTEMPTS_PER_BUYER = 5  # 40 purchases of 1 against 25 items
PRICE_CENTS = 300


def _assert_books_balance(db: Database, keys: list[str], successes: Counter[str], product_id: int) -> None:
    def check(conn: Conn) -> None:
        for key in keys:
            customer_id = int(conn.scalar("SELECT id FROM customers WHERE api_key_digest = ?", (key_digest(key),)))
            expected = ATTEMPTS_PER_BUYER * PRICE_CENTS - successes[key] * PRICE_CENTS
            assert ledger.balance_cents(conn, customer_id=customer_id) == expected
            assert ledger.ledger_sum_cents(conn, customer_id=customer_id) == expected
        assert conn.scalar("SELECT COUNT(*) FROM account_orders") == ITEMS
        assert conn.scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'charge'") == ITEMS
        assert (
            conn.scalar("SELECT COUNT(*) FROM stock_items WHERE product_id = ? AND order_id IS NULL", (product_id,))
            == 0
        )
        # each order got exactly one item, each item went to exactly one order
        per_order = conn.all("SELECT order_id, COUNT(*) AS n FROM stock_items GROUP BY order_id")
        assert sorted(int(r["n"]) for r in per_order) == [1] * ITEMS

    db.read_sync(check)


async def test_40_simultaneous_http_purchases_of_25_items_sell_each_item_once(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str], stocked: Callable[..., Stocked]
) -> None:
    shop = stocked(items=ITEMS, price=f"{PRICE_CENTS / 100:.2f}")
    keys = [make_customer(balance=f"{ATTEMPTS_PER_BUYER * PRICE_CENTS / 100:.2f}") for _ in range(BUYERS)]
    attempts = [keys[i % BUYERS] for i in range(BUYERS * ATTEMPTS_PER_BUYER)]

    async def buy(key: str) -> tuple[str, httpx.Response]:
        response = await client.post(
            "/api/v1/accounts/purchase", json={"key": key, "product": shop.product_id, "quantity": 1}
        )
        return key, response

    results = await asyncio.gather(*(buy(key) for key in attempts))
    won = [(key, r) for key, r in results if r.status_code == 200]
    lost = [r for _, r in results if r.status_code != 200]
    assert len(won) == ITEMS
    assert len(lost) == len(attempts) - ITEMS
    assert all(r.status_code == 422 and r.json() == {"success": False, "error": "Insufficient stock"} for r in lost)
    delivered = [f"{a['email']}:{a['password']}" for _, r in won for a in r.json()["data"]["accounts"]]
    assert sorted(delivered) == sorted(shop.lines)  # 25 distinct items, all of them
    _assert_books_balance(db, keys, Counter(key for key, _ in won), shop.product_id)


def test_purchases_racing_on_separate_connections_never_share_or_oversell(
    db: Database,
    database_url: str,
    secrets: SecretBox,
    make_customer: Callable[..., str],
    stocked: Callable[..., Stocked],
) -> None:
    shop = stocked(items=ITEMS, price=f"{PRICE_CENTS / 100:.2f}")
    keys = [make_customer(balance=f"{ATTEMPTS_PER_BUYER * PRICE_CENTS / 100:.2f}") for _ in range(BUYERS)]
    # Independent handles race on separate connections, as separate server processes would.
    handles = [open_database(database_url, pool_size=4) for _ in range(4)]

    def attempt(i: int) -> tuple[str, list[str] | str]:
        key = keys[i % BUYERS]
        try:
            bought = handles[i % len(handles)].write_sync(
                service.purchase, key_digest=key_digest(key), product_id=shop.product_id, quantity=1, secrets=secrets
            )
            return key, bought.items
        except FlashpanelError as exc:
            return key, exc.message

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(attempt, range(BUYERS * ATTEMPTS_PER_BUYER)))
    finally:
        for handle in handles:
            handle.close()
    won = [(key, items) for key, items in results if isinstance(items, list)]
    refusals = Counter(outcome for _, outcome in results if isinstance(outcome, str))
    assert len(won) == ITEMS
    assert refusals == Counter({"Insufficient stock": BUYERS * ATTEMPTS_PER_BUYER - ITEMS})
    assert sorted(line for _, items in won for line in items) == sorted(shop.lines)
    _assert_books_balance(db, keys, Counter(key for key, _ in won), shop.product_id)


def test_a_short_claim_after_a_passing_stock_check_rolls_the_whole_purchase_back(
    db: Database,
    secrets: SecretBox,
    make_customer: Callable[..., str],
    stocked: Callable[..., Stocked],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race the pre-check cannot see: another buyer took items between the check and the claim. The
    check is made to pass for 3 items of 2, so the claim itself comes up short and must undo the order
    row it followed and the items it did mark sold."""
    shop = stocked(items=2, price="1")
    key = make_customer(balance="10")
    claimed: list[int] = []
    real_claim = stock.claim

    def short_claim(conn: Conn, **kwargs: Any) -> list[str]:
        tokens = real_claim(conn, **kwargs)
        claimed.append(len(tokens))
        return tokens

    monkeypatch.setattr(stock, "has_unsold", lambda conn, *, product_id, quantity: True)
    monkeypatch.setattr(stock, "claim", short_claim)
    with pytest.raises(FlashpanelError, match="Insufficient stock"):
        db.write_sync(
            service.purchase, key_digest=key_digest(key), product_id=shop.product_id, quantity=3, secrets=secrets
        )
    assert claimed == [2]  # the claim ran, marked both items sold, and came up one short
    counts = db.read_sync(
        lambda c: (
            c.scalar("SELECT COUNT(*) FROM account_orders"),
            c.scalar("SELECT COUNT(*) FROM stock_items WHERE order_id IS NULL AND sold_at IS NULL"),
            c.scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'charge'"),
        )
    )
    assert counts == (0, 2, 0)
