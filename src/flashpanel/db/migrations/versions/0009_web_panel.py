"""customer web panel: email and password on customers, key prefix and age, reset tokens, web sessions

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("api_key_prefix", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("api_key_created_at", sa.Float(), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_customers_email"), ["email"])
    # A key issued before this revision is as old as its customer, at the latest.
    op.execute("UPDATE customers SET api_key_created_at = created_at")

    op.create_table(
        "password_resets",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_password_resets_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_password_resets")),
    )
    op.create_index("ix_password_resets_customer_id", "password_resets", ["customer_id"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("realm", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_web_sessions")),
    )
    op.create_index("ix_web_sessions_realm_subject_id", "web_sessions", ["realm", "subject_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_web_sessions_realm_subject_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index("ix_password_resets_customer_id", table_name="password_resets")
    op.drop_table("password_resets")
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_constraint(op.f("uq_customers_email"), type_="unique")
        batch_op.drop_column("api_key_created_at")
        batch_op.drop_column("api_key_prefix")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("email")
