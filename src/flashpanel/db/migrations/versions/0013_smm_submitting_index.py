"""SMM orders claimed for submission get a partial index by status

Revision ID: 0013
Revises: 0012

The worker's stale-claim check (``smm.fulfilment.resolve_stale_submissions``) looked for pending
orders with an old ``submitting_at`` through ``ix_smm_orders_status_next_check_at``, so every pass
walked the whole backlog of pending orders. The partial index holds only orders that have been
claimed for submission, by status, so the check reads just the claimed pending ones (SQLite plans it
as a covering index search without statistics).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLAIMED = sa.text("submitting_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_smm_orders_status_submitting_at",
        "smm_orders",
        ["status", "submitting_at"],
        sqlite_where=_CLAIMED,
        postgresql_where=_CLAIMED,
    )


def downgrade() -> None:
    op.drop_index("ix_smm_orders_status_submitting_at", table_name="smm_orders")
