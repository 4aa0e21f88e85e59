"""When an SMM order completed, for each service's average completion time

Revision ID: 0011
Revises: 0010

- smm_orders.completed_at: set by ``smm.lifecycle.apply_transition`` when an order enters ``completed``
  (NULL for every other status, and for orders completed before this revision: no time is guessed).
- ix_smm_orders_service_id_completed_at (partial, completed orders only): the last ten completions of
  one service are read from it (``smm.completion``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMPLETED = sa.text("completed_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("smm_orders") as batch_op:
        batch_op.add_column(sa.Column("completed_at", sa.Float(), nullable=True))
    op.create_index(
        "ix_smm_orders_service_id_completed_at",
        "smm_orders",
        ["service_id", "completed_at"],
        sqlite_where=_COMPLETED,
        postgresql_where=_COMPLETED,
    )


def downgrade() -> None:
    op.drop_index("ix_smm_orders_service_id_completed_at", table_name="smm_orders")
    with op.batch_alter_table("smm_orders") as batch_op:
        batch_op.drop_column("completed_at")
