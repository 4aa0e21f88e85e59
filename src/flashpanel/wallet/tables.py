from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text, text

from flashpanel.db.metadata import metadata

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),  # signed: + credit, - debit
    Column("balance_after_cents", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    # The order this movement belongs to: ("smm" | "otp" | "accounts", order id).
    Column("order_kind", String(16), nullable=True),
    Column("order_id", BigInteger, nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    # The top-up a `topup` entry credits (payments/); unique, so a top-up can be credited only once.
    Column("topup_id", BigInteger, ForeignKey("topups.id"), nullable=True),
    Index("ix_ledger_entries_customer_id_id", "customer_id", "id"),
    Index("uq_ledger_entries_topup_id", "topup_id", unique=True),
    # At most one charge and one refund per order, enforced by the database itself.
    Index(
        "uq_ledger_entries_one_charge_per_order",
        "order_kind",
        "order_id",
        unique=True,
        sqlite_where=text("kind = 'charge'"),
        postgresql_where=text("kind = 'charge'"),
    ),
    Index(
        "uq_ledger_entries_one_refund_per_order",
        "order_kind",
        "order_id",
        unique=True,
        sqlite_where=text("kind = 'refund'"),
        postgresql_where=text("kind = 'refund'"),
    ),
)
