"""payments: top-ups through hosted checkouts and bank transfers; ledger entries name their top-up

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "topups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway_transaction_id", sa.String(length=64), nullable=True),
        sa.Column("gateway_status", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("checked_at", sa.Float(), nullable=True),
        sa.Column("credited_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_topups_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topups")),
        sa.UniqueConstraint("gateway", "reference", name=op.f("uq_topups_gateway_reference")),
        sa.UniqueConstraint(
            "gateway", "gateway_transaction_id", name=op.f("uq_topups_gateway_gateway_transaction_id")
        ),
    )
    op.create_index("ix_topups_status_created_at", "topups", ["status", "created_at"], unique=False)
    op.create_index("ix_topups_customer_id_id", "topups", ["customer_id", "id"], unique=False)
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.add_column(sa.Column("topup_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_ledger_entries_topup_id_topups"), "topups", ["topup_id"], ["id"])
    op.create_index("uq_ledger_entries_topup_id", "ledger_entries", ["topup_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_ledger_entries_topup_id", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.drop_constraint(op.f("fk_ledger_entries_topup_id_topups"), type_="foreignkey")
        batch_op.drop_column("topup_id")
    op.drop_index("ix_topups_customer_id_id", table_name="topups")
    op.drop_index("ix_topups_status_created_at", table_name="topups")
    op.drop_table("topups")
