"""The scale test's checks, run from the database once the load is over and the writers are stopped:
the books (shared with the benchmark), each domain's rules and its agreement with the fake upstreams, and
what the clients were told."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import psycopg

from tests.scale.checks.acks import check_acknowledged
from tests.scale.checks.books import check_the_books
from tests.scale.checks.findings import Findings
from tests.scale.checks.otp import check_otp
from tests.scale.checks.smm import check_smm
from tests.scale.observed import Observed
from tests.scale.upstreams import Fakes


def verify(
    conn: psycopg.Connection[Any], obs: Observed, fakes: Fakes, secret_key_file: Path
) -> tuple[list[str], dict[str, Any]]:
    """Every check: (violations, facts for the report). ``conn`` is autocommit with dict rows."""
    found = Findings(conn)
    check_the_books(found)
    check_smm(found, fakes)
    check_otp(found, obs, fakes)
    found.facts["accounts statuses"] = dict(Counter(r["status"] for r in found.q("SELECT status FROM account_orders")))
    check_acknowledged(found, obs, secret_key_file)
    return found.violations, found.facts
