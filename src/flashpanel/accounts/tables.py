from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)

from flashpanel.db.metadata import metadata

account_categories = Table(
    "account_categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("icon", String(50), nullable=False, server_default=""),
)

account_products = Table(
    "account_products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category_id", Integer, ForeignKey("account_categories.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("min_quantity", Integer, nullable=False, server_default="1"),
    Column("max_quantity", Integer, nullable=False, server_default="10"),
    Column("description", Text, nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", Float, nullable=False),
    # What one item cost the operator (optional): the back office's profit figures use it when set.
    Column("unit_cost_cents", BigInteger, nullable=True),
)

account_orders = Table(
    "account_orders",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("product_id", Integer, ForeignKey("account_products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", BigInteger, nullable=False),
    Column("charge_cents", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_account_orders_customer_id_id", "customer_id", "id"),
)

# One row per deliverable credential; sold exactly once (order_id set by a conditional claim).
stock_items = Table(
    "stock_items",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("product_id", Integer, ForeignKey("account_products.id"), nullable=False),
    Column("secret_encrypted", Text, nullable=False),  # Fernet token of the "login:password" line
    # Keyed digest of the plaintext, to skip duplicates without decrypting the stock.
    Column("fingerprint", String(64), nullable=False),
    Column("order_id", BigInteger, ForeignKey("account_orders.id"), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("sold_at", Float, nullable=True),
    UniqueConstraint("product_id", "fingerprint"),
    Index(
        "ix_stock_items_unsold",
        "product_id",
        "id",
        sqlite_where=text("order_id IS NULL"),
        postgresql_where=text("order_id IS NULL"),
    ),
    Index("ix_stock_items_order_id", "order_id"),
)
