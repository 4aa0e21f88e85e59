"""operator back office: operators, the append-only audit log, recorded costs of OTP orders and account products

Revision ID: 0012
Revises: 0011

- operators: the people who run the panel (never customers), with an Argon2 password and a TOTP secret.
- audit_log: every operator action, done or refused. On PostgreSQL a trigger refuses UPDATE and DELETE.
- otp_orders.cost: what the provider charged for the number, as it stated it (as smm_orders.cost).
- stock_imports: a stock file's import, run as a job in batches; the page polls its progress.
- account_products.unit_cost_cents: what one item cost the operator (optional), for the dashboard's profit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSE_CHANGES = """
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$
"""


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("totp_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("totp_confirmed_at", sa.Float(), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_login_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("name", name=op.f("uq_operators_name")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_kind", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("request_id", name=op.f("uq_audit_log_request_id")),
    )
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor", "id"], unique=False)
    op.create_index("ix_audit_log_object_kind_object_id", "audit_log", ["object_kind", "object_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_REFUSE_CHANGES)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()"
        )
    op.create_table(
        "stock_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("total_lines", sa.Integer(), nullable=False),
        sa.Column("processed_lines", sa.Integer(), server_default="0", nullable=False),
        sa.Column("added", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["account_products.id"], name=op.f("fk_stock_imports_product_id_account_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_imports")),
    )
    with op.batch_alter_table("otp_orders") as batch_op:
        batch_op.add_column(sa.Column("cost", sa.String(length=32), nullable=True))
    with op.batch_alter_table("account_products") as batch_op:
        batch_op.add_column(sa.Column("unit_cost_cents", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_products") as batch_op:
        batch_op.drop_column("unit_cost_cents")
    with op.batch_alter_table("otp_orders") as batch_op:
        batch_op.drop_column("cost")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_is_append_only()")
    op.drop_table("stock_imports")
    op.drop_index("ix_audit_log_object_kind_object_id", table_name="audit_log")
    op.drop_index("ix_audit_log_actor_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("operators")
