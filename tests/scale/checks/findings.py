"""What the checks found: violations (each a sentence with a few example rows) and facts for the report,
read from the scratch database through one psycopg connection with dict rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

SMM_TERMINAL = ("completed", "partial", "cancelled")
OTP_TERMINAL = ("completed", "cancelled", "expired", "failed")
OTP_REFUNDED = ("cancelled", "expired", "failed")


@dataclass
class Findings:
    conn: psycopg.Connection[Any]  # autocommit, dict rows
    violations: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def bad(self, what: str, rows: Sequence[Any], limit: int = 5) -> None:
        """``rows`` are the cases that break the rule ``what``; none, and it holds."""
        if rows:
            self.violations.append(f"{what}: {len(rows)} case(s), e.g. {list(rows[:limit])}")

    def q(self, sql: str, *params: Any) -> list[Any]:
        return self.conn.execute(sql, params or None).fetchall()
