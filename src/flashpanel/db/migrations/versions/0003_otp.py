"""OTP countries, services, provider mapping and orders

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "otp_countries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_countries")),
        sa.UniqueConstraint("code", name=op.f("uq_otp_countries_code")),
    )

    op.create_table(
        "otp_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_id"], ["otp_countries.id"], name=op.f("fk_otp_services_country_id_otp_countries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_services")),
        sa.UniqueConstraint("country_id", "code", name=op.f("uq_otp_services_country_id_code")),
    )

    op.create_table(
        "otp_service_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("otp_service_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("upstream_service", sa.String(length=32), nullable=False),
        sa.Column("upstream_country", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["otp_service_id"],
            ["otp_services.id"],
            name=op.f("fk_otp_service_providers_otp_service_id_otp_services"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_otp_service_providers_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_service_providers")),
        sa.UniqueConstraint(
            "otp_service_id", "provider_id", name=op.f("uq_otp_service_providers_otp_service_id_provider_id")
        ),
    )

    op.create_table(
        "otp_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("otp_service_id", sa.Integer(), nullable=False),
        sa.Column("country_id", sa.Integer(), nullable=False),
        sa.Column("phone_number", sa.String(length=32), nullable=True),
        sa.Column("charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sms_code", sa.String(length=32), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("upstream_activation_id", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.Float(), nullable=True),
        sa.Column("next_check_at", sa.Float(), nullable=True),
        sa.Column("checks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_id"], ["otp_countries.id"], name=op.f("fk_otp_orders_country_id_otp_countries")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_otp_orders_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["otp_service_id"], ["otp_services.id"], name=op.f("fk_otp_orders_otp_service_id_otp_services")
        ),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"], name=op.f("fk_otp_orders_provider_id_providers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_orders")),
        sa.UniqueConstraint("request_id", name=op.f("uq_otp_orders_request_id")),
    )
    with op.batch_alter_table("otp_orders", schema=None) as batch_op:
        batch_op.create_index("ix_otp_orders_customer_id_id", ["customer_id", "id"], unique=False)
        batch_op.create_index("ix_otp_orders_status_expires_at", ["status", "expires_at"], unique=False)
        batch_op.create_index("ix_otp_orders_status_next_check_at", ["status", "next_check_at"], unique=False)


def downgrade() -> None:
    op.drop_table("otp_orders")
    op.drop_table("otp_service_providers")
    op.drop_table("otp_services")
    op.drop_table("otp_countries")
