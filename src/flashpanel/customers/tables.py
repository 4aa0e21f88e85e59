from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    true,
)

from flashpanel.db.metadata import metadata

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    # The username: lower case, 3-32 of a-z 0-9 _ . - (customers/names.py); older rows may differ.
    Column("name", String(100), nullable=False, unique=True),
    # SHA-256 hex digest of the API key; the key itself is never stored.
    Column("api_key_digest", String(64), nullable=False, unique=True),
    Column("balance_cents", BigInteger, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=true()),
    # How many SMM orders the customer has placed: the next order's `customer_seq`, and the history total.
    Column("smm_orders_count", BigInteger, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    # Web panel: stored lower case; NULL for customers the CLI created without one.
    Column("email", String(254), nullable=True, unique=True),
    # Argon2 hash (PHC string); NULL until a password is set (sign-up, reset link, set-password).
    Column("password_hash", Text, nullable=True),
    # The key's first characters, shown on the profile page so the customer can tell keys apart.
    Column("api_key_prefix", String(8), nullable=True),
    Column("api_key_created_at", Float, nullable=True),
    CheckConstraint("balance_cents >= 0", name="balance_not_negative"),
)

# Single-use password-reset tokens (stored as SHA-256 digests), valid for an hour.
password_resets = Table(
    "password_resets",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float, nullable=True),
    Index("ix_password_resets_customer_id", "customer_id"),
)
