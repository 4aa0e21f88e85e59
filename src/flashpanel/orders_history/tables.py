"""The ``order_status_changes`` table (rows written by migration 0014's triggers, see the package)."""

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table

from flashpanel.db.metadata import metadata

order_status_changes = Table(
    "order_status_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("line", String(16), nullable=False),  # smm | otp (accounts orders never change status)
    # No foreign key: the order lives in the line's own table.
    Column("order_id", BigInteger, nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    # The order's updated_at as the change set it (the database's clock if a change left it as it was).
    Column("at", Float, nullable=False),
    Index("ix_order_status_changes_line_order_id", "line", "order_id"),
)
