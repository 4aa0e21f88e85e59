"""OTP provider mappings keep the provider's last quoted price of a number

Revision ID: 0015
Revises: 0014

``otp_service_providers.quoted_cost`` (the provider's price of one number, in its currency as it said
it) and ``quoted_at`` (epoch seconds) are written by ``otp/quotes.py`` (the hourly catalog sync and the
back office's "Check costs now"); the catalog page shows the cost in the panel's currency and the margin.
Both stay NULL until the provider is first asked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("otp_service_providers") as batch:
        batch.add_column(sa.Column("quoted_cost", sa.String(32), nullable=True))
        batch.add_column(sa.Column("quoted_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("otp_service_providers") as batch:
        batch.drop_column("quoted_at")
        batch.drop_column("quoted_cost")
