"""The books (balances, ledger, charges and refunds per order, stock sold): the shared invariants of
``flashpanel.wallet.invariants``, which the benchmark's data checks run too."""

from __future__ import annotations

from flashpanel.db.runner import Conn
from flashpanel.wallet.invariants import check_books
from tests.scale.checks.findings import Findings


def check_the_books(found: Findings) -> None:
    report = check_books(Conn(found.conn, "postgresql"))
    found.violations += [str(v) for v in report.violations]
    totals = report.totals
    found.facts["money"] = {
        "topups": totals.money_in,
        "charges": totals.charges,
        "refunds": totals.refunds,
        "balances": totals.balances,
        "ledger rows": totals.ledger_rows,
    }
    found.facts["refunds"] = {
        kind: {"rows": rows, "cents": cents} for kind, (rows, cents) in totals.refunds_by_order_kind.items()
    }
    found.facts["orders"] = report.orders
    found.facts["stock"] = {"items": report.stock[0], "sold": report.stock[1]}
