"""Demo accounts catalog: two categories, two products each, 25 fictional items per product.

Idempotent: categories and products are matched by name, and items are de-duplicated by fingerprint
(sold ones included), so a second run adds nothing and never restocks what the demo sold.
"""

from __future__ import annotations

from flashpanel.accounts import catalog, stock
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Conn

ITEMS_PER_PRODUCT = 25

# (category, icon, [(product, price in cents, min, max, description, item login prefix, domain)])
CATALOG = [
    (
        "Demo Streaming",
        "play",
        [
            (
                "Demo Streaming Account",
                250000,
                1,
                10,
                "Fictional streaming account for trying the API",
                "stream",
                "example.com",
            ),
            ("Demo Music Account", 120000, 1, 5, "Fictional music service account", "music", "example.net"),
        ],
    ),
    (
        "Demo Social Media",
        "users",
        [
            ("Demo Social Account", 57240, 1, 10, "Fictional social network account", "social", "example.com"),
            ("Demo Photo Sharing Account", 80000, 2, 20, "Fictional photo sharing account", "photo", "demo.test"),
        ],
    ),
]


def seed(conn: Conn, *, secrets: SecretBox) -> None:
    """Add this domain's demo catalog and stock (idempotent)."""
    for category_name, icon, products in CATALOG:
        category_id = catalog.category_id_by_name(conn, name=category_name)
        if category_id is None:
            category_id = catalog.add_category(conn, name=category_name, icon=icon)
        existing = {p.name: p.id for p in catalog.list_products(conn, category_id=category_id)}
        for name, price_cents, low, high, description, prefix, domain in products:
            product_id = existing.get(name)
            if product_id is None:
                product_id = catalog.add_product(
                    conn,
                    category_id=category_id,
                    name=name,
                    price_cents=price_cents,
                    min_quantity=low,
                    max_quantity=high,
                    description=description,
                )
            lines = [f"demo.{prefix}{n:02d}@{domain}:Demo-{prefix}-{n:02d}" for n in range(1, ITEMS_PER_PRODUCT + 1)]
            stock.add_stock(conn, product_id=product_id, lines=lines, secrets=secrets)


def remove(conn: Conn) -> tuple[int, int]:
    """Delete the demo products' unsold items; delete the demo products no order refers to and disable the
    others (sold items stay with their orders); then delete the demo categories left empty. Returns
    (products deleted, products disabled)."""
    deleted = disabled = 0
    for category_name, _icon, products in CATALOG:
        category_id = catalog.category_id_by_name(conn, name=category_name)
        if category_id is None:
            continue
        for name, *_ in products:
            product_id = conn.scalar(
                "SELECT id FROM account_products WHERE category_id = ? AND name = ?", (category_id, name)
            )
            if product_id is None:
                continue
            conn.execute("DELETE FROM stock_items WHERE product_id = ? AND order_id IS NULL", (product_id,))
            if conn.one("SELECT 1 FROM account_orders WHERE product_id = ? LIMIT 1", (product_id,)) is None:
                conn.execute("DELETE FROM account_products WHERE id = ?", (product_id,))
                deleted += 1
            else:
                conn.execute("UPDATE account_products SET active = ? WHERE id = ?", (False, product_id))
                disabled += 1
        if conn.one("SELECT 1 FROM account_products WHERE category_id = ? LIMIT 1", (category_id,)) is None:
            conn.execute("DELETE FROM account_categories WHERE id = ?", (category_id,))
    return deleted, disabled
