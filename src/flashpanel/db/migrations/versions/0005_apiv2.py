"""SMM API v2: drip-feed and cancel-request columns on smm_orders, and the smm_refills table

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot ALTER most things in place; on PostgreSQL these are plain ALTERs.
    with op.batch_alter_table("smm_orders", schema=None) as batch_op:
        # Drip-feed: `quantity` stays the whole order (runs * per-run quantity) so charge, remains and
        # refunds keep one meaning; `runs` is NULL for an ordinary order.
        batch_op.add_column(sa.Column("runs", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("interval_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delivered_runs", sa.Integer(), server_default="0", nullable=False))
        # A customer asked to cancel an order already handed to the upstream; forwarded once.
        batch_op.add_column(sa.Column("cancel_requested_at", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("cancel_forwarded_at", sa.Float(), nullable=True))

    op.create_table(
        "smm_refills",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("upstream_refill_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_check_at", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["smm_orders.id"], name=op.f("fk_smm_refills_order_id_smm_orders")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_smm_refills_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smm_refills")),
    )
    with op.batch_alter_table("smm_refills", schema=None) as batch_op:
        batch_op.create_index("ix_smm_refills_customer_id_id", ["customer_id", "id"], unique=False)
        batch_op.create_index("ix_smm_refills_order_id", ["order_id"], unique=False)
        batch_op.create_index("ix_smm_refills_status_next_check_at", ["status", "next_check_at"], unique=False)
        # At most one open refill per order: a retried request gets the same refill back.
        batch_op.create_index(
            "ix_smm_refills_one_open_per_order",
            ["order_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'in_progress')"),
            postgresql_where=sa.text("status IN ('pending', 'in_progress')"),
        )


def downgrade() -> None:
    op.drop_table("smm_refills")
    with op.batch_alter_table("smm_orders", schema=None) as batch_op:
        batch_op.drop_column("cancel_forwarded_at")
        batch_op.drop_column("cancel_requested_at")
        batch_op.drop_column("delivered_runs")
        batch_op.drop_column("interval_minutes")
        batch_op.drop_column("runs")
