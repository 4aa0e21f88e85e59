from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from flashpanel.db.metadata import metadata

# One row per top-up attempt, written (status "pending", with our own reference) before the customer is
# sent to the gateway, so that every payment the gateway reports can be matched to exactly one row.
topups = Table(
    "topups",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("gateway", String(16), nullable=False),  # paystack | flutterwave | bank
    Column("reference", String(64), nullable=False),  # ours: Paystack's reference, Flutterwave's tx_ref
    # pending | credited | failed | expired | mismatch | awaiting_approval | rejected (payments/topups.py)
    Column("status", String(20), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),  # what the wallet is credited
    Column("gross_cents", BigInteger, nullable=False),  # what the gateway is asked to charge (amount + fee)
    Column("currency", String(3), nullable=False),
    Column("gateway_transaction_id", String(64), nullable=True),
    Column("gateway_status", String(32), nullable=True),  # the gateway's own word at the last verification
    # The customer's transfer reference (bank), what the gateway said on a mismatch, the operator's note.
    Column("note", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("checked_at", Float, nullable=True),  # the last verification with the gateway
    Column("credited_at", Float, nullable=True),
    UniqueConstraint("gateway", "reference"),
    UniqueConstraint("gateway", "gateway_transaction_id"),
    Index("ix_topups_status_created_at", "status", "created_at"),
    Index("ix_topups_customer_id_id", "customer_id", "id"),
)
