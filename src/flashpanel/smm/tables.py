"""SMM catalog and orders. Money in integer cents (D3), times in epoch seconds (D5)."""

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
    false,
    text,
    true,
)

from flashpanel.db.metadata import metadata

smm_services = Table(
    "smm_services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(100), nullable=False),
    Column("type", String(50), nullable=False, server_default="Default"),
    Column("rate_cents", BigInteger, nullable=False),  # customer price per 1000
    Column("min_quantity", Integer, nullable=False),
    Column("max_quantity", Integer, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("provider_id", Integer, ForeignKey("providers.id"), nullable=True),
    Column("upstream_service", String(64), nullable=True),
    # Provider's price per 1000 in its own currency, full precision, as a decimal string.
    Column("cost_rate", String(32), nullable=True),
    Column("refill", Boolean, nullable=False, server_default=false()),
    Column("cancel", Boolean, nullable=False, server_default=false()),
    Column("dripfeed", Boolean, nullable=False, server_default=false()),
    Column("created_at", Float, nullable=False),
)

smm_orders = Table(
    "smm_orders",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("service_id", Integer, ForeignKey("smm_services.id"), nullable=False),
    Column("link", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("charge_cents", BigInteger, nullable=False),
    Column("refunded_cents", BigInteger, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False),
    Column("start_count", BigInteger, nullable=True),
    Column("remains", BigInteger, nullable=False),
    Column("provider_id", Integer, ForeignKey("providers.id"), nullable=True),
    Column("upstream_order_id", String(64), nullable=True),
    Column("cost", String(32), nullable=True),  # what the provider charged, panel currency
    # Submission attempts so far (the outbox's retry counter).
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    # When the worker next looks at the order (submission retry or status poll).
    Column("next_check_at", Float, nullable=True),
    # Set while a worker is handing a pending order to the provider (the submission claim); cleared
    # when the outcome is stored. A pending order with it set is never claimed again: at most once.
    Column("submitting_at", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # 1, 2, 3... per customer without gaps: history pages are ranges on it (see migration 0006).
    Column("customer_seq", BigInteger, nullable=True),
    # Drip-feed (SMM API v2): `quantity` stays the whole order (runs * per-run quantity) so charge,
    # remains and refunds keep one meaning; `runs` is NULL for an ordinary order.
    Column("runs", Integer, nullable=True),
    Column("interval_minutes", Integer, nullable=True),
    Column("delivered_runs", Integer, nullable=False, server_default="0"),
    # A customer asked to cancel an order already handed to the upstream; forwarded to it once.
    Column("cancel_requested_at", Float, nullable=True),
    Column("cancel_forwarded_at", Float, nullable=True),
    # "Unknown order" answers from the upstream in a row, and when the first of them came: past the
    # configured count and span the order is flagged for the operator (smm/fulfilment.py).
    Column("unknown_answers", Integer, nullable=False, server_default="0"),
    Column("unknown_since", Float, nullable=True),
    # Why the operator should look at the order, and since when (NULL: nothing to do).
    Column("attention", Text, nullable=True),
    Column("attention_at", Float, nullable=True),
    # When the order entered ``completed`` (smm/lifecycle.py); the average completion time reads it.
    Column("completed_at", Float, nullable=True),
    Index("ix_smm_orders_customer_id_id", "customer_id", "id"),
    Index("uq_smm_orders_customer_id_customer_seq", "customer_id", "customer_seq", unique=True),
    Index("ix_smm_orders_status_next_check_at", "status", "next_check_at"),
    Index(
        "ix_smm_orders_attention_at",
        "attention_at",
        sqlite_where=text("attention_at IS NOT NULL"),
        postgresql_where=text("attention_at IS NOT NULL"),
    ),
    Index(
        "ix_smm_orders_service_id_completed_at",
        "service_id",
        "completed_at",
        sqlite_where=text("completed_at IS NOT NULL"),
        postgresql_where=text("completed_at IS NOT NULL"),
    ),
    # Orders claimed for submission: the worker's stale-claim check reads only these, never the backlog
    # of pending orders waiting for their turn (smm/fulfilment.resolve_stale_submissions).
    Index(
        "ix_smm_orders_status_submitting_at",
        "status",
        "submitting_at",
        sqlite_where=text("submitting_at IS NOT NULL"),
        postgresql_where=text("submitting_at IS NOT NULL"),
    ),
)

# Refills of completed orders (asked for through the SMM API v2); their life is in smm/refill.py.
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
