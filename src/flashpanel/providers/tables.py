from sqlalchemy import Boolean, Column, Float, Integer, String, Table, Text, true

from flashpanel.db.metadata import metadata

providers = Table(
    "providers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # simulator | smm-v2 | sms-activate
    Column("url", Text, nullable=True),
    Column("api_key_encrypted", Text, nullable=True),  # Fernet token
    Column("currency", String(8), nullable=True),
    # Panel-currency units per one provider-currency unit, as an exact decimal string.
    Column("exchange_rate", String(32), nullable=False, server_default="1"),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", Float, nullable=False),
)
