"""Operators (the people running the panel, never customers) and the audit log of what they did."""

from sqlalchemy import BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text, true

from flashpanel.db.metadata import metadata

operators = Table(
    "operators",
    metadata,
    Column("id", Integer, primary_key=True),
    # The same rule as a customer's username (customers/names.py), stored lower case.
    Column("name", String(32), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # owner | support (admin/roles.py)
    Column("password_hash", Text, nullable=False),  # Argon2id, as customers' passwords
    # The TOTP secret, encrypted with the panel's key; NULL until the first log-in starts enrolment.
    Column("totp_secret_encrypted", Text, nullable=True),
    # Set once the operator proved the secret works; before that the log-in leads to enrolment.
    Column("totp_confirmed_at", Float, nullable=True),
    # The last 30-second step whose code was accepted: a code is never accepted twice.
    Column("totp_last_step", BigInteger, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", Float, nullable=False),
    Column("last_login_at", Float, nullable=True),
)

# Append-only: no code path updates or deletes a row, and on PostgreSQL a trigger refuses both
# (migration 0012). Each row is written in the same unit of work as the change it records.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("created_at", Float, nullable=False),
    # "<operator name>" for the back office, "cli:<system user>" for the CLI.
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),  # e.g. wallet.adjust, smm.cancel, customer.disable
    Column("object_kind", String(32), nullable=True),  # customer, smm_order, operator...
    Column("object_id", String(64), nullable=True),
    Column("before", Text, nullable=True),  # JSON
    Column("after", Text, nullable=True),  # JSON
    Column("note", Text, nullable=True),
    Column("address", String(64), nullable=True),  # the client address; NULL from the CLI
    Column("outcome", String(16), nullable=False),  # done | refused
    # The form's one-time id: a second submission of the same form is refused by this unique index.
    Column("request_id", String(64), nullable=True, unique=True),
    Index("ix_audit_log_actor_id", "actor", "id"),
    Index("ix_audit_log_object_kind_object_id", "object_kind", "object_id"),
)

# A stock file being imported (admin/stock.py): the job's progress, read by the page that polls it, in
# whichever process serves that request.
stock_imports = Table(
    "stock_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", Integer, ForeignKey("account_products.id"), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("total_lines", Integer, nullable=False),
    Column("processed_lines", Integer, nullable=False, server_default="0"),
    Column("added", Integer, nullable=False, server_default="0"),
    Column("skipped", Integer, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False),  # running | done | failed
    Column("error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Column("updated_at", Float, nullable=True),  # when the last batch landed: a stalled job shows as interrupted
)
