from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, Float, Integer, String, Table, true

from flashpanel.db.metadata import metadata

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    # SHA-256 hex digest of the API key; the key itself is never stored.
    Column("api_key_digest", String(64), nullable=False, unique=True),
    Column("balance_cents", BigInteger, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=true()),
    # How many SMM orders the customer has placed: the next order's `customer_seq`, and the history total.
    Column("smm_orders_count", BigInteger, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    CheckConstraint("balance_cents >= 0", name="balance_not_negative"),
)
