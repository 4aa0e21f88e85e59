"""The accounts catalog: categories and products, for the API listings and the operator CLI."""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.bounds import ID, within
from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, Row, now
from flashpanel.errors import NotFound, RuleViolation

# The columns' lengths (migration 0004): a longer text is refused by the rule, not by PostgreSQL.
CATEGORY_NAME_LIMIT = 100
ICON_LIMIT = 50
PRODUCT_NAME_LIMIT = 200
MAX_QUANTITY = 2**31 - 1  # min_quantity and max_quantity are 32-bit integer columns


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    icon: str


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    category_id: int
    name: str
    price_cents: int
    min_quantity: int
    max_quantity: int
    description: str
    active: bool
    stock: int


def is_row_id(value: int) -> bool:
    """Whether an id can name a row at all (the id bounds of flashpanel/bounds.py): the API decodes ids to
    this already; the check stays for callers that do not go through it (the CLI, tests)."""
    return within(value, ID)


# The live count of unsold items, served by the partial index ix_stock_items_unsold.
_PRODUCT_COLUMNS = (
    "p.id, p.category_id, p.name, p.price_cents, p.min_quantity, p.max_quantity, p.description, p.active, "
    "(SELECT COUNT(*) FROM stock_items s WHERE s.product_id = p.id AND s.order_id IS NULL) AS stock"
)


def _product(r: Row) -> Product:
    return Product(
        id=int(r["id"]),
        category_id=int(r["category_id"]),
        name=r["name"],
        price_cents=int(r["price_cents"]),
        min_quantity=int(r["min_quantity"]),
        max_quantity=int(r["max_quantity"]),
        description=r["description"],
        active=bool(r["active"]),
        stock=int(r["stock"]),
    )


# -- API reads (authenticated units of work) ---------------------------------------------------------


def categories_for_key(conn: Conn, *, key_digest: str) -> list[Category]:
    authenticate(conn, key_digest=key_digest)
    return list_categories(conn)


def products_for_key(conn: Conn, *, key_digest: str, category_id: int) -> list[Product]:
    """The active products of a category, with live stock. Unknown category → :class:`NotFound`."""
    authenticate(conn, key_digest=key_digest)
    if not is_row_id(category_id) or conn.one("SELECT 1 FROM account_categories WHERE id = ?", (category_id,)) is None:
        raise NotFound("Category not found")
    return [
        _product(r)
        for r in conn.all(
            f"SELECT {_PRODUCT_COLUMNS} FROM account_products p WHERE p.category_id = ? AND p.active ORDER BY p.id",
            (category_id,),
        )
    ]


# -- operator operations -----------------------------------------------------------------------------


def list_categories(conn: Conn) -> list[Category]:
    return [
        Category(id=int(r["id"]), name=r["name"], icon=r["icon"])
        for r in conn.all("SELECT id, name, icon FROM account_categories ORDER BY id")
    ]


def add_category(conn: Conn, *, name: str, icon: str = "") -> int:
    name = name.strip()
    if not name:
        raise RuleViolation("Category name must not be empty")
    if len(name) > CATEGORY_NAME_LIMIT or len(icon.strip()) > ICON_LIMIT:
        raise RuleViolation(f"A category's name is at most {CATEGORY_NAME_LIMIT} characters, its icon {ICON_LIMIT}")
    if conn.one("SELECT 1 FROM account_categories WHERE name = ?", (name,)) is not None:
        raise RuleViolation(f"Category {name!r} already exists")
    category_id = conn.scalar(
        "INSERT INTO account_categories (name, icon) VALUES (?, ?) RETURNING id", (name, icon.strip())
    )
    return int(category_id)


def category_id_by_name(conn: Conn, *, name: str) -> int | None:
    value = conn.scalar("SELECT id FROM account_categories WHERE name = ?", (name,))
    return None if value is None else int(value)


def list_products(conn: Conn, *, category_id: int | None = None) -> list[Product]:
    """Every product (disabled ones included), with live stock."""
    if category_id is None:
        rows = conn.all(f"SELECT {_PRODUCT_COLUMNS} FROM account_products p ORDER BY p.id")
    else:
        rows = conn.all(
            f"SELECT {_PRODUCT_COLUMNS} FROM account_products p WHERE p.category_id = ? ORDER BY p.id", (category_id,)
        )
    return [_product(r) for r in rows]


def get_product(conn: Conn, *, product_id: int) -> Product:
    row = conn.one(f"SELECT {_PRODUCT_COLUMNS} FROM account_products p WHERE p.id = ?", (product_id,))
    if row is None:
        raise NotFound(f"Product {product_id} not found")
    return _product(row)


def _check_product(*, name: str, price_cents: int, min_quantity: int, max_quantity: int) -> None:
    if not name.strip():
        raise RuleViolation("Product name must not be empty")
    if len(name.strip()) > PRODUCT_NAME_LIMIT:
        raise RuleViolation(f"Product name must be at most {PRODUCT_NAME_LIMIT} characters")
    if price_cents <= 0:
        raise RuleViolation("Price must be positive")
    if min_quantity < 1:
        raise RuleViolation("Minimum quantity must be at least 1")
    if max_quantity < min_quantity:
        raise RuleViolation("Maximum quantity must not be below the minimum")
    if max_quantity > MAX_QUANTITY:
        raise RuleViolation(f"Maximum quantity must be at most {MAX_QUANTITY}")


def add_product(
    conn: Conn,
    *,
    category_id: int,
    name: str,
    price_cents: int,
    min_quantity: int = 1,
    max_quantity: int = 10,
    description: str = "",
) -> int:
    """Create an active product and return its id."""
    _check_product(name=name, price_cents=price_cents, min_quantity=min_quantity, max_quantity=max_quantity)
    if conn.one("SELECT 1 FROM account_categories WHERE id = ?", (category_id,)) is None:
        raise NotFound(f"Category {category_id} not found")
    product_id = conn.scalar(
        "INSERT INTO account_products "
        "(category_id, name, price_cents, min_quantity, max_quantity, description, active, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (category_id, name.strip(), price_cents, min_quantity, max_quantity, description.strip(), True, now()),
    )
    return int(product_id)


def update_product(
    conn: Conn,
    *,
    product_id: int,
    name: str | None = None,
    price_cents: int | None = None,
    min_quantity: int | None = None,
    max_quantity: int | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Product:
    """Change the given fields (None = keep). Orders already placed keep the price they were charged."""
    current = get_product(conn, product_id=product_id)
    new_name = current.name if name is None else name.strip()
    new_price = current.price_cents if price_cents is None else price_cents
    new_min = current.min_quantity if min_quantity is None else min_quantity
    new_max = current.max_quantity if max_quantity is None else max_quantity
    _check_product(name=new_name, price_cents=new_price, min_quantity=new_min, max_quantity=new_max)
    conn.execute(
        "UPDATE account_products SET name = ?, price_cents = ?, min_quantity = ?, max_quantity = ?, "
        "description = ?, active = ? WHERE id = ?",
        (
            new_name,
            new_price,
            new_min,
            new_max,
            current.description if description is None else description.strip(),
            current.active if active is None else active,
            product_id,
        ),
    )
    return get_product(conn, product_id=product_id)
