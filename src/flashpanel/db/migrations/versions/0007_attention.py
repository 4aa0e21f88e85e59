"""Orders for the operator's attention; OTP phone numbers in E.164

Revision ID: 0007
Revises: 0006

- smm_orders: how many "unknown order" answers in a row the upstream gave and since when; the order is
  flagged (``attention``, ``attention_at``) once they pass the configured count and time span.
- otp_orders: ``attention``/``attention_at`` for a number refunded to the customer that could not be
  released upstream (cancel it by hand at the provider).
- Phone numbers stored without their leading ``+`` (SMS-Activate sends ``79991234567``) get it.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGGED = sa.text("attention_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("smm_orders") as batch_op:
        batch_op.add_column(sa.Column("unknown_answers", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("unknown_since", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("attention", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attention_at", sa.Float(), nullable=True))
    with op.batch_alter_table("otp_orders") as batch_op:
        batch_op.add_column(sa.Column("attention", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attention_at", sa.Float(), nullable=True))
    for table in ("smm_orders", "otp_orders"):
        op.create_index(
            f"ix_{table}_attention_at",
            table,
            ["attention_at"],
            sqlite_where=_FLAGGED,
            postgresql_where=_FLAGGED,
        )
    _numbers_to_e164()


def _numbers_to_e164() -> None:
    """``79991234567``, ``7 999 123-45-67`` and ``0079991234567`` → ``+79991234567``; anything else is left
    as it was (the same reading as ``flashpanel.otp.phone.e164`` at the time of writing)."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, phone_number FROM otp_orders WHERE phone_number IS NOT NULL AND phone_number NOT LIKE '+%'")
    ).all()
    for order_id, raw in rows:
        digits = re.sub(r"[\s().\-/]", "", raw)
        digits = digits[2:] if digits.startswith("00") else digits
        if re.fullmatch(r"[1-9][0-9]{6,14}", digits):
            conn.execute(
                sa.text("UPDATE otp_orders SET phone_number = :number WHERE id = :id"),
                {"number": f"+{digits}", "id": order_id},
            )


def downgrade() -> None:
    for table in ("smm_orders", "otp_orders"):
        op.drop_index(f"ix_{table}_attention_at", table_name=table)
    with op.batch_alter_table("otp_orders") as batch_op:
        batch_op.drop_column("attention_at")
        batch_op.drop_column("attention")
    with op.batch_alter_table("smm_orders") as batch_op:
        batch_op.drop_column("attention_at")
        batch_op.drop_column("attention")
        batch_op.drop_column("unknown_since")
        batch_op.drop_column("unknown_answers")
