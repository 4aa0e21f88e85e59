"""OTP catalog (countries, services, their provider mapping) and orders."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)

from flashpanel.db.metadata import metadata

otp_countries = Table(
    "otp_countries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("code", String(2), nullable=False, unique=True),  # ISO 3166-1 alpha-2
    Column("active", Boolean, nullable=False, server_default=true()),
)

otp_services = Table(
    "otp_services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("country_id", Integer, ForeignKey("otp_countries.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("code", String(32), nullable=False),  # short code such as "wa"
    Column("price_cents", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    UniqueConstraint("country_id", "code"),
)

# Which providers can sell a number for a (country, service), tried in ascending ``priority`` (then id).
# A service with no row here is not sold (the built-in simulator is a provider row like the others).
otp_service_providers = Table(
    "otp_service_providers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("otp_service_id", Integer, ForeignKey("otp_services.id"), nullable=False),
    Column("provider_id", Integer, ForeignKey("providers.id"), nullable=False),
    Column("upstream_service", String(32), nullable=False),
    Column("upstream_country", String(32), nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),
    # The provider's last quoted price of one number, in its currency as it said it, and when it was asked
    # (otp/quotes.py): the back office's cost and margin of the service. NULL until first asked.
    Column("quoted_cost", String(32), nullable=True),
    Column("quoted_at", Float, nullable=True),
    UniqueConstraint("otp_service_id", "provider_id"),
)

# status: pending -> waiting -> completed | cancelled | expired;  pending -> failed  (see otp/lifecycle.py)
otp_orders = Table(
    "otp_orders",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("request_id", String(64), nullable=False, unique=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("otp_service_id", Integer, ForeignKey("otp_services.id"), nullable=False),
    Column("country_id", Integer, ForeignKey("otp_countries.id"), nullable=False),
    Column("phone_number", String(32), nullable=True),
    Column("charge_cents", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sms_code", String(32), nullable=True),
    Column("provider_id", Integer, ForeignKey("providers.id"), nullable=True),
    Column("upstream_activation_id", String(64), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("expires_at", Float, nullable=True),
    # waiting: when the worker next asks the provider for the SMS; pending: when a purchase that never
    # finished (a crash between debit and provider call) is resolved by the worker.
    Column("next_check_at", Float, nullable=True),
    Column("checks", Integer, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # Why the operator should look at the order (a refunded number that could not be released
    # upstream), and since when; NULL when there is nothing to do.
    Column("attention", Text, nullable=True),
    Column("attention_at", Float, nullable=True),
    # What the provider charged for the number, as it said it (as smm_orders.cost): the dashboard's profit.
    Column("cost", String(32), nullable=True),
    Index("ix_otp_orders_customer_id_id", "customer_id", "id"),
    Index("ix_otp_orders_status_expires_at", "status", "expires_at"),
    Index("ix_otp_orders_status_next_check_at", "status", "next_check_at"),
    Index(
        "ix_otp_orders_attention_at",
        "attention_at",
        sqlite_where=text("attention_at IS NOT NULL"),
        postgresql_where=text("attention_at IS NOT NULL"),
    ),
)
