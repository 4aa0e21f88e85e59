"""Every status change of an SMM or OTP order, written by a trigger

Revision ID: 0014
Revises: 0013

``order_status_changes`` gets one row per change of ``smm_orders.status`` or ``otp_orders.status``,
inserted by an ``AFTER UPDATE OF status`` trigger in the transaction that made the change (D71): no
extra round trip on the hot paths, and no code path that could forget it. The row's time is the
order's new ``updated_at`` (every transition sets it); should an update change the status but not
``updated_at``, the database's own clock is used instead, in the same epoch seconds. Changes made
before this migration were never recorded: their orders show their creation and later changes only.

SQLite drops a table's triggers with the table: a later migration that rebuilds ``smm_orders`` or
``otp_orders`` in batch mode must create them again (:func:`create_triggers`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# line -> the order table whose status changes are recorded under it
_TRACKED = {"smm": "smm_orders", "otp": "otp_orders"}

_POSTGRES_FUNCTION = """
CREATE FUNCTION record_order_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_status_changes (line, order_id, from_status, to_status, at)
    VALUES (
        TG_ARGV[0], NEW.id, OLD.status, NEW.status,
        CASE WHEN NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN NEW.updated_at
             ELSE extract(epoch FROM clock_timestamp())::double precision END
    );
    RETURN NULL;
END;
$$
"""

_SQLITE_TRIGGER = """
CREATE TRIGGER {table}_status_history AFTER UPDATE OF status ON {table}
FOR EACH ROW WHEN OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO order_status_changes (line, order_id, from_status, to_status, at)
    VALUES (
        '{line}', NEW.id, OLD.status, NEW.status,
        CASE WHEN NEW.updated_at IS NOT OLD.updated_at THEN NEW.updated_at
             ELSE (julianday('now') - 2440587.5) * 86400.0 END
    );
END
"""


def create_triggers() -> None:
    if _postgres():
        op.execute(_POSTGRES_FUNCTION)
        for line, table in _TRACKED.items():
            op.execute(
                f"CREATE TRIGGER {table}_status_history AFTER UPDATE OF status ON {table} FOR EACH ROW "
                f"WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION record_order_status_change('{line}')"
            )
    else:
        for line, table in _TRACKED.items():
            op.execute(_SQLITE_TRIGGER.format(table=table, line=line))


def upgrade() -> None:
    op.create_table(
        "order_status_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_changes")),
    )
    op.create_index("ix_order_status_changes_line_order_id", "order_status_changes", ["line", "order_id"])
    create_triggers()


def downgrade() -> None:
    for table in _TRACKED.values():
        op.execute(f"DROP TRIGGER {table}_status_history" + (f" ON {table}" if _postgres() else ""))
    if _postgres():
        op.execute("DROP FUNCTION record_order_status_change()")
    op.drop_index("ix_order_status_changes_line_order_id", table_name="order_status_changes")
    op.drop_table("order_status_changes")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
