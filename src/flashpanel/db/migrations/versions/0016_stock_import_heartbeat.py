"""Stock imports record when their last batch landed

Revision ID: 0016
Revises: 0015

``stock_imports.updated_at`` is set when the job starts and by every batch. A job still ``running`` with
no batch for a while belongs to a process that stopped (an import runs in the process that received the
upload): the page shows it as interrupted instead of polling for ever (``admin/stock.py``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock_imports") as batch:
        batch.add_column(sa.Column("updated_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_imports") as batch:
        batch.drop_column("updated_at")
