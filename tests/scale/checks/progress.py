"""Whether the workers caught up (no order left in a non-terminal state) and whether the API processes'
metrics counted every charge the ledger holds."""

from __future__ import annotations

from typing import Any

import psycopg


def non_terminal(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Orders of each kind not yet in a terminal state."""
    smm = conn.execute(
        "SELECT count(*) AS n FROM smm_orders WHERE status NOT IN ('completed', 'partial', 'cancelled')"
    ).fetchone()
    otp = conn.execute(
        "SELECT count(*) AS n FROM otp_orders WHERE status NOT IN ('completed', 'cancelled', 'expired', 'failed')"
    ).fetchone()
    acc = conn.execute("SELECT count(*) AS n FROM account_orders WHERE status <> 'completed'").fetchone()
    assert smm is not None and otp is not None and acc is not None
    return {"smm": int(smm["n"]), "otp": int(otp["n"]), "accounts": int(acc["n"])}


def left_behind(conn: psycopg.Connection[Any], catchup_seconds: float) -> list[str]:
    """A violation if any order is still in a non-terminal state, with a few of them."""
    limbo = non_terminal(conn)
    if not any(limbo.values()):
        return []
    detail = conn.execute(
        "SELECT 'smm' AS kind, id, status, attempts, submitting_at IS NOT NULL AS claimed, last_error "
        "FROM smm_orders WHERE status NOT IN ('completed', 'partial', 'cancelled') LIMIT 5"
    ).fetchall()
    detail += conn.execute(
        "SELECT 'otp' AS kind, id, status, last_error FROM otp_orders "
        "WHERE status NOT IN ('completed', 'cancelled', 'expired', 'failed') LIMIT 5"
    ).fetchall()
    return [f"orders left in a non-terminal state {catchup_seconds:.0f}s after the load: {limbo}, e.g. {detail}"]


def check_metrics(conn: psycopg.Connection[Any], text: str, facts: dict[str, Any]) -> list[str]:
    """The metrics of a `serve --workers N` supervisor count the charges of all N processes, the ones
    killed and replaced included. Charges are written only by API processes, and counted just before their
    commit (a rolled-back unit over-counts), so the figure is at least the number of charge rows."""
    prefix = 'flashpanel_ledger_entries_total{kind="charge"} '
    counted = next((float(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix)), 0.0)
    row = conn.execute("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'charge'").fetchone()
    assert row is not None
    charged = int(row["n"])
    facts["charges: in the ledger / counted by the API processes' metrics"] = f"{charged} / {counted:.0f}"
    if counted < charged:
        return [f"the API processes' metrics count {counted:.0f} charges, the ledger holds {charged}"]
    return []
