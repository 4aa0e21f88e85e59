"""SMM catalog and orders

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "smm_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=50), server_default="Default", nullable=False),
        sa.Column("rate_cents", sa.BigInteger(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("upstream_service", sa.String(length=64), nullable=True),
        sa.Column("cost_rate", sa.String(length=32), nullable=True),
        sa.Column("refill", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("cancel", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("dripfeed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"], name=op.f("fk_smm_services_provider_id_providers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smm_services")),
    )

    op.create_table(
        "smm_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("refunded_cents", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_count", sa.BigInteger(), nullable=True),
        sa.Column("remains", sa.BigInteger(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("upstream_order_id", sa.String(length=64), nullable=True),
        sa.Column("cost", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_check_at", sa.Float(), nullable=True),
        sa.Column("submitting_at", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_smm_orders_customer_id_customers")),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"], name=op.f("fk_smm_orders_provider_id_providers")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["smm_services.id"], name=op.f("fk_smm_orders_service_id_smm_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smm_orders")),
    )
    with op.batch_alter_table("smm_orders", schema=None) as batch_op:
        batch_op.create_index("ix_smm_orders_customer_id_id", ["customer_id", "id"], unique=False)
        batch_op.create_index("ix_smm_orders_status_next_check_at", ["status", "next_check_at"], unique=False)


def downgrade() -> None:
    op.drop_table("smm_orders")
    op.drop_table("smm_services")
