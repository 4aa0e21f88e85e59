"""account categories, products, stock items and orders

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("icon", sa.String(length=50), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_account_categories_name")),
    )

    op.create_table(
        "account_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("max_quantity", sa.Integer(), server_default="10", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["account_categories.id"],
            name=op.f("fk_account_products_category_id_account_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_products")),
    )

    op.create_table(
        "account_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_account_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["account_products.id"],
            name=op.f("fk_account_orders_product_id_account_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_orders")),
    )
    with op.batch_alter_table("account_orders", schema=None) as batch_op:
        batch_op.create_index("ix_account_orders_customer_id_id", ["customer_id", "id"], unique=False)

    op.create_table(
        "stock_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("sold_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["account_orders.id"], name=op.f("fk_stock_items_order_id_account_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["account_products.id"], name=op.f("fk_stock_items_product_id_account_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_items")),
        sa.UniqueConstraint("product_id", "fingerprint", name=op.f("uq_stock_items_product_id_fingerprint")),
    )
    with op.batch_alter_table("stock_items", schema=None) as batch_op:
        batch_op.create_index("ix_stock_items_order_id", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_stock_items_unsold",
            ["product_id", "id"],
            unique=False,
            sqlite_where=sa.text("order_id IS NULL"),
            postgresql_where=sa.text("order_id IS NULL"),
        )


def downgrade() -> None:
    op.drop_table("stock_items")
    op.drop_table("account_orders")
    op.drop_table("account_products")
    op.drop_table("account_categories")
