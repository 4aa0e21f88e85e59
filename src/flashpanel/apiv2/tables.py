"""Tables added for the SMM API v2: refills of SMM orders. Money in cents (D3), times in epoch seconds (D5).

The columns the v2 protocol adds to ``smm_orders`` (drip-feed runs, cancel requests) are defined with the
rest of that table, in ``smm/tables.py``.
"""

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text, text

from flashpanel.db.metadata import metadata

REFILL_STATUSES = ("pending", "in_progress", "completed", "rejected")

smm_refills = Table(
    "smm_refills",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("order_id", BigInteger, ForeignKey("smm_orders.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    # pending (not yet forwarded) → in_progress (the upstream has it) → completed | rejected
    Column("status", String(16), nullable=False),
    Column("upstream_refill_id", String(64), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    # When the worker next looks at the refill (forwarding retry or status poll).
    Column("next_check_at", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_smm_refills_customer_id_id", "customer_id", "id"),
    Index("ix_smm_refills_order_id", "order_id"),
    Index("ix_smm_refills_status_next_check_at", "status", "next_check_at"),
    # At most one open refill per order: a retried request gets the same refill back.
    Index(
        "ix_smm_refills_one_open_per_order",
        "order_id",
        unique=True,
        sqlite_where=text("status IN ('pending', 'in_progress')"),
        postgresql_where=text("status IN ('pending', 'in_progress')"),
    ),
)
