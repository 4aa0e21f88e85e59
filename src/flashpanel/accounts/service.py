"""Accounts orders: buying stocked items from the wallet, and reading one's order history.

A purchase is one unit of work: authenticate, check the product, quantity, stock and balance, write the
order, claim exactly ``quantity`` unsold items and debit the wallet. Any failure raises and rolls the
whole unit back, so a refused purchase changes nothing. Items are decrypted here, on the database
thread, only to hand them to their buyer; they are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flashpanel.accounts import stock
from flashpanel.accounts.catalog import is_row_id
from flashpanel.crypto import SecretBox
from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, Row, now
from flashpanel.errors import InsufficientBalance, NotFound, RuleViolation
from flashpanel.wallet import ledger

COMPLETED = "completed"  # stock is delivered in the purchase itself: there is no other status


class InsufficientStock(RuleViolation):
    message = "Insufficient stock"


@dataclass(frozen=True, slots=True)
class Purchase:
    order_id: int
    product: str
    quantity: int
    charge_cents: int
    status: str
    items: list[str]  # decrypted "login:password" lines, in stock order
    balance_cents: int


@dataclass(frozen=True, slots=True)
class AccountOrder:
    order_id: int
    product: str
    quantity: int
    unit_price_cents: int
    charge_cents: int
    status: str
    items: list[str]  # decrypted lines
    created_at: float


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[AccountOrder]
    total: int


def iso_utc(epoch: float) -> str:
    """ISO 8601 in UTC with an explicit ``+00:00``, to the second."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def purchase(conn: Conn, *, key_digest: str, product_id: int, quantity: int, secrets: SecretBox) -> Purchase:
    """Buy ``quantity`` items of a product for the key's owner, all or nothing.

    Refusals (nothing written): unknown or disabled product, quantity outside [min, max] and more than
    the unsold stock → 422 (:class:`RuleViolation`); a balance short of price times quantity → 400
    (:class:`InsufficientBalance`). Stock is checked before balance. The pre-checks give clean answers;
    the conditional claim and the conditional debit are what make concurrent buyers safe."""
    customer_id = authenticate(conn, key_digest=key_digest)
    product = (
        conn.one(
            "SELECT id, name, price_cents, min_quantity, max_quantity FROM account_products WHERE id = ? AND active",
            (product_id,),
        )
        if is_row_id(product_id)
        else None
    )
    if product is None:
        raise RuleViolation("Product not found or disabled")
    low, high = int(product["min_quantity"]), int(product["max_quantity"])
    if not low <= quantity <= high:
        raise RuleViolation(f"Quantity must be between {low} and {high}")
    if not stock.has_unsold(conn, product_id=product_id, quantity=quantity):
        raise InsufficientStock()
    unit_price = int(product["price_cents"])
    charge_cents = unit_price * quantity
    if ledger.balance_cents(conn, customer_id=customer_id) < charge_cents:
        raise InsufficientBalance()

    order_id = int(
        conn.scalar(
            "INSERT INTO account_orders "
            "(customer_id, product_id, quantity, unit_price_cents, charge_cents, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (customer_id, product_id, quantity, unit_price, charge_cents, COMPLETED, now()),
        )
    )
    tokens = stock.claim(conn, product_id=product_id, order_id=order_id, quantity=quantity)
    if len(tokens) != quantity:  # a concurrent buyer took items after the count: roll everything back
        raise InsufficientStock()
    balance_after = ledger.charge(
        conn, customer_id=customer_id, amount_cents=charge_cents, order_kind="accounts", order_id=order_id
    )
    return Purchase(
        order_id=order_id,
        product=product["name"],
        quantity=quantity,
        charge_cents=charge_cents,
        status=COMPLETED,
        items=[secrets.decrypt(token) for token in tokens],
        balance_cents=balance_after,
    )


_ORDER_COLUMNS = (
    "o.id, p.name AS product, o.quantity, o.unit_price_cents, o.charge_cents, o.status, o.created_at "
    "FROM account_orders o JOIN account_products p ON p.id = o.product_id"
)


def _orders(conn: Conn, rows: list[Row], secrets: SecretBox) -> list[AccountOrder]:
    items = stock.items_of_orders(conn, order_ids=[int(r["id"]) for r in rows])
    return [
        AccountOrder(
            order_id=int(r["id"]),
            product=r["product"],
            quantity=int(r["quantity"]),
            unit_price_cents=int(r["unit_price_cents"]),
            charge_cents=int(r["charge_cents"]),
            status=r["status"],
            items=[secrets.decrypt(token) for token in items[int(r["id"])]],
            created_at=float(r["created_at"]),
        )
        for r in rows
    ]


def order_history(conn: Conn, *, key_digest: str, page: int, limit: int, secrets: SecretBox) -> OrderPage:
    """The key owner's orders, newest first, one page (served by ix_account_orders_customer_id_id)."""
    customer_id = authenticate(conn, key_digest=key_digest)
    total = int(conn.scalar("SELECT COUNT(*) FROM account_orders WHERE customer_id = ?", (customer_id,)))
    offset = (page - 1) * limit
    if offset >= total:  # past the end: nothing to read (and no out-of-range OFFSET for the database)
        return OrderPage(orders=[], total=total)
    rows = conn.all(
        f"SELECT {_ORDER_COLUMNS} WHERE o.customer_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?",
        (customer_id, limit, offset),
    )
    return OrderPage(orders=_orders(conn, rows, secrets), total=total)


def order_details(conn: Conn, *, key_digest: str, order_id: int, secrets: SecretBox) -> AccountOrder:
    """One of the key owner's orders; another customer's order is :class:`NotFound`, like a missing one."""
    customer_id = authenticate(conn, key_digest=key_digest)
    sql = f"SELECT {_ORDER_COLUMNS} WHERE o.id = ? AND o.customer_id = ?"
    row = conn.one(sql, (order_id, customer_id)) if is_row_id(order_id) else None
    if row is None:
        raise NotFound("Order not found")
    return _orders(conn, [row], secrets)[0]
