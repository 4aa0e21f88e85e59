from sqlalchemy import Column, Float, Index, Integer, String, Table

from flashpanel.db.metadata import metadata

# Server-side web sessions. The cookie holds a random token; only its SHA-256 digest is stored.
# `realm` keeps the customer panel's sessions apart from the back office's ("customer", "operator"),
# `subject_id` is the customer's (or operator's) id in that realm.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("realm", String(16), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),  # the absolute end, whatever the activity
    Index("ix_web_sessions_realm_subject_id", "realm", "subject_id"),
)
