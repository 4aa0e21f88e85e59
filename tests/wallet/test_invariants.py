"""The books' invariants (wallet/invariants): they hold after real purchases and name each kind of damage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from flashpanel.accounts import catalog, stock
from flashpanel.accounts import service as accounts
from flashpanel.config import Settings
from flashpanel.crypto import SecretBox, open_secret_box
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database
from flashpanel.wallet.invariants import BooksReport, check_books


@dataclass(frozen=True)
class Shop:
    key: str
    product_id: int
    order_id: int


@pytest.fixture
def secrets(settings: Settings) -> SecretBox:
    return open_secret_box(settings.secret_key_file)


@pytest.fixture
def shop(db: Database, secrets: SecretBox, make_customer: Callable[..., str]) -> Shop:
    """One customer with 1000.00 who bought 2 of 5 stocked items at 150.00 each."""
    key = make_customer(balance="1000")
    category_id = db.write_sync(catalog.add_category, name="Mail", icon="play")
    product_id = db.write_sync(
        catalog.add_product,
        category_id=category_id,
        name="Mailbox",
        price_cents=15000,
        min_quantity=1,
        max_quantity=5,
        description="A mailbox",
    )
    lines = [f"user{i}@example.com:pw{i}" for i in range(5)]
    db.write_sync(stock.add_stock, product_id=product_id, lines=lines, secrets=secrets)
    bought = db.write_sync(
        accounts.purchase, key_digest=key_digest(key), product_id=product_id, quantity=2, secrets=secrets
    )
    return Shop(key, product_id, bought.order_id)


def _rules(report: BooksReport) -> list[str]:
    return [v.rule for v in report.violations]


def test_books_after_real_purchases_hold_and_add_up(db: Database, shop: Shop) -> None:
    report = db.read_sync(check_books)
    assert report.ok, report.violations
    totals = report.totals
    assert (totals.money_in, totals.charges, totals.refunds, totals.balances) == (100000, 30000, 0, 70000)
    assert totals.balanced and totals.ledger_rows == {"topup": 1, "charge": 1}
    assert report.orders == {"smm": 0, "otp": 0, "accounts": 1} and report.stock == (5, 2)


def test_a_balance_changed_behind_the_ledger_is_reported(db: Database, shop: Shop) -> None:
    db.write_sync(_run, "UPDATE customers SET balance_cents = balance_cents + 1")
    report = db.read_sync(check_books)
    assert _rules(report) == ["balance != ledger sum, or negative", "money in != charges - refunds + balances"]
    assert report.violations[0].cases == 1


def test_a_refund_larger_than_its_charge_is_reported(db: Database, shop: Shop) -> None:
    from flashpanel.wallet.ledger import move_money

    customer_id = db.read_sync(_scalar, "SELECT customer_id FROM account_orders")
    db.write_sync(
        move_money,
        customer_id=customer_id,
        amount_cents=30001,
        kind="refund",
        order_kind="accounts",
        order_id=shop.order_id,
    )
    assert _rules(db.read_sync(check_books)) == ["accounts: refund larger than the charge"]


def test_an_order_whose_charge_was_undone_is_reported(db: Database, shop: Shop) -> None:
    # The charge row and its debit both undone: the balances still add up, the order is unpaid.
    db.write_sync(_run, "DELETE FROM ledger_entries WHERE kind = 'charge'")
    db.write_sync(_run, "UPDATE customers SET balance_cents = balance_cents + 30000")
    assert _rules(db.read_sync(check_books)) == ["accounts: order without exactly one charge equal to its charge_cents"]


def test_an_order_short_of_its_items_is_reported(db: Database, shop: Shop) -> None:
    db.write_sync(_run, f"UPDATE stock_items SET order_id = NULL, sold_at = NULL WHERE id = "
                        f"(SELECT MIN(id) FROM stock_items WHERE order_id = {shop.order_id})")  # fmt: skip
    assert _rules(db.read_sync(check_books)) == [
        "accounts: order's delivered item count != its quantity, or items of another product"
    ]


def test_one_credential_sold_by_two_products_is_reported(
    db: Database, shop: Shop, secrets: SecretBox, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="1000")
    category_id = db.write_sync(catalog.add_category, name="Again", icon="play")
    for name in ("First copy", "Second copy"):
        product_id = db.write_sync(catalog.add_product, category_id=category_id, name=name, price_cents=100,
                                   min_quantity=1, max_quantity=1, description="The same mailbox")  # fmt: skip
        db.write_sync(stock.add_stock, product_id=product_id, lines=["twice@example.com:pw"], secrets=secrets)
        db.write_sync(accounts.purchase, key_digest=key_digest(key), product_id=product_id, quantity=1, secrets=secrets)
    report = db.read_sync(check_books)
    assert _rules(report) == ["accounts: the same credential sold more than once"]
    assert report.violations[0].cases == 1


def _run(conn: Conn, sql: str) -> None:
    conn.execute(sql)


def _scalar(conn: Conn, sql: str) -> int:
    return int(conn.scalar(sql))


def test_money_in_counts_operator_adjustments(db: Database, make_customer: Callable[..., str]) -> None:
    from flashpanel.customers import service as customers

    make_customer("ada", balance="10")
    db.write_sync(customers.adjust_balance, name="ada", amount=Decimal("-2.50"), note="correction")
    totals = db.read_sync(check_books).totals
    assert (totals.money_in, totals.balances) == (750, 750) and totals.balanced


def test_a_top_up_credited_twice_or_not_at_all_is_named(db: Database, make_customer: Callable[..., str]) -> None:
    from flashpanel.payments.credit import mark_credited
    from flashpanel.payments.topups import create_topup

    make_customer("tia")
    tia = int(db.read_sync(lambda conn: conn.scalar("SELECT id FROM customers WHERE name = 'tia'")))
    topup = db.write_sync(
        create_topup, customer_id=tia, gateway="paystack", amount_cents=5000, gross_cents=5000, currency="NGN"
    )
    db.write_sync(mark_credited, topup_id=topup.id, from_statuses=("pending",))
    assert db.read_sync(check_books).ok
    db.write_sync(lambda conn: conn.execute("UPDATE topups SET status = 'pending' WHERE id = ?", (topup.id,)))
    rules = [v.rule for v in db.read_sync(check_books).violations]
    assert rules == ["topups: ledger entry for a top-up not credited, of another customer, or not a topup"]
    db.write_sync(lambda conn: conn.execute("DELETE FROM ledger_entries WHERE topup_id = ?", (topup.id,)))
    db.write_sync(lambda conn: conn.execute("UPDATE topups SET status = 'credited' WHERE id = ?", (topup.id,)))
    rules = [v.rule for v in db.read_sync(check_books).violations]
    assert "topups: credited top-up without exactly one ledger entry equal to its amount" in rules
