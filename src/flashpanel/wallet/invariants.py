"""The books' invariants, checked from the database: what must hold of balances, the ledger and the orders
it pays for, whatever load, crash or restart came before.

One copy of this SQL serves every checker: the multi-process scale test (``tests/scale``) and the
benchmark's data checks (``bench/``). It runs on both backends through a :class:`~flashpanel.db.runner.Conn`,
so a caller passes :func:`check_books` to ``Database.read_sync``. Each statement sees one consistent state;
a checker stops (or waits out) the writers first, since separate statements may see different commits.

A rule that holds returns nothing; one that does not returns a :class:`Violation` naming the rule, how many
rows break it and a few of them, so a failure says what to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flashpanel.db.runner import Conn, Row

EXAMPLES = 5

# The order tables the ledger's ``order_kind`` points into.
ORDER_TABLES: dict[str, str] = {"smm": "smm_orders", "otp": "otp_orders", "accounts": "account_orders"}


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule the books break: ``cases`` rows break it; ``examples`` are the first few, as value tuples."""

    rule: str
    cases: int
    examples: tuple[tuple[Any, ...], ...]

    def __str__(self) -> str:
        return f"{self.rule}: {self.cases} case(s), e.g. {list(self.examples)}"


@dataclass(frozen=True, slots=True)
class MoneyTotals:
    """Where the money is, in cents: what came in (top-ups and operator adjustments), what customers were
    charged and refunded, and what their balances hold now. The books balance when
    ``money_in == charges - refunds + balances``."""

    money_in: int
    charges: int
    refunds: int
    balances: int
    ledger_rows: dict[str, int]  # ledger kind -> rows
    refunds_by_order_kind: dict[str, tuple[int, int]]  # order kind -> (rows, cents)

    @property
    def balanced(self) -> bool:
        return self.money_in == self.charges - self.refunds + self.balances


@dataclass(frozen=True, slots=True)
class BooksReport:
    totals: MoneyTotals
    orders: dict[str, int]  # order kind -> orders
    stock: tuple[int, int]  # (stock items, sold)
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_books(conn: Conn) -> BooksReport:
    """Every invariant below, with the totals a report prints. A unit of work for ``Database.read_sync``."""
    totals = money_totals(conn)
    violations = [
        *ledger_violations(conn),
        *order_charge_violations(conn),
        *stock_violations(conn),
        *topup_violations(conn),
    ]
    if not totals.balanced:
        violations.append(
            Violation(
                "money in != charges - refunds + balances",
                1,
                ((totals.money_in, totals.charges, totals.refunds, totals.balances),),
            )
        )
    orders = {kind: int(conn.scalar(f"SELECT COUNT(*) FROM {table}")) for kind, table in ORDER_TABLES.items()}
    stock = conn.one("SELECT COUNT(*) AS total, COUNT(order_id) AS sold FROM stock_items")
    assert stock is not None
    return BooksReport(totals, orders, (int(stock["total"]), int(stock["sold"])), violations)


def money_totals(conn: Conn) -> MoneyTotals:
    """The totals, read by one statement so that they agree with one another even while writers run."""
    rows = conn.all(
        "SELECT kind, COUNT(*) AS n, SUM(amount_cents) AS cents, "
        "(SELECT COALESCE(SUM(balance_cents), 0) FROM customers) AS balances "
        "FROM ledger_entries GROUP BY kind"
    )
    by_kind = {str(r["kind"]): (int(r["n"]), int(r["cents"])) for r in rows}
    if rows:
        balances = int(rows[0]["balances"])
    else:  # an empty ledger: no row to carry the balances
        balances = int(conn.scalar("SELECT COALESCE(SUM(balance_cents), 0) FROM customers"))
    refunds = {
        str(r["order_kind"]): (int(r["n"]), int(r["cents"]))
        for r in conn.all(
            "SELECT order_kind, COUNT(*) AS n, SUM(amount_cents) AS cents FROM ledger_entries WHERE kind = 'refund' "
            "GROUP BY order_kind ORDER BY order_kind"
        )
    }
    return MoneyTotals(
        money_in=by_kind.get("topup", (0, 0))[1] + by_kind.get("adjustment", (0, 0))[1],
        charges=-by_kind.get("charge", (0, 0))[1],
        refunds=by_kind.get("refund", (0, 0))[1],
        balances=balances,
        ledger_rows={kind: n for kind, (n, _) in by_kind.items()},
        refunds_by_order_kind=refunds,
    )


def ledger_violations(conn: Conn) -> list[Violation]:
    """Balances against the ledger: each balance is its ledger sum and never negative, each row's
    ``balance_after`` chains from the one before, and charges and refunds are signed and owned."""
    return _broken(
        conn,
        (
            "balance != ledger sum, or negative",
            "SELECT c.id, c.balance_cents, COALESCE(SUM(l.amount_cents), 0) AS ledger FROM customers c "
            "LEFT JOIN ledger_entries l ON l.customer_id = c.id GROUP BY c.id, c.balance_cents "
            "HAVING c.balance_cents <> COALESCE(SUM(l.amount_cents), 0) OR c.balance_cents < 0",
        ),
        (
            "ledger balance_after does not chain",
            "SELECT id, customer_id, balance_after_cents, running FROM (SELECT id, customer_id, balance_after_cents, "
            "SUM(amount_cents) OVER (PARTITION BY customer_id ORDER BY id) AS running FROM ledger_entries) t "
            "WHERE balance_after_cents <> running OR balance_after_cents < 0",
        ),
        (
            "charge/refund ledger row without an order kind/id",
            "SELECT id, kind FROM ledger_entries WHERE kind IN ('charge', 'refund') "
            "AND (order_kind IS NULL OR order_id IS NULL)",
        ),
        (
            "more than one charge or refund per order",
            "SELECT order_kind, order_id, kind, COUNT(*) FROM ledger_entries WHERE kind IN ('charge', 'refund') "
            "GROUP BY order_kind, order_id, kind HAVING COUNT(*) > 1",
        ),
        (
            "charge with a non-negative amount / refund with a non-positive amount",
            "SELECT id, kind, amount_cents FROM ledger_entries WHERE (kind = 'charge' AND amount_cents >= 0) "
            "OR (kind = 'refund' AND amount_cents <= 0)",
        ),
    )


def order_charge_violations(conn: Conn) -> list[Violation]:
    """Orders against the ledger, for each kind of order: every charge or refund row belongs to an order of
    that customer, every order has exactly one charge equal to its price, and no refund exceeds it."""
    found: list[Violation] = []
    for kind, table in ORDER_TABLES.items():
        found += _broken(
            conn,
            (
                f"{kind}: ledger charge/refund for a missing order or another customer",
                f"SELECT l.id, l.kind, l.order_id FROM ledger_entries l WHERE l.order_kind = '{kind}' AND NOT EXISTS "
                f"(SELECT 1 FROM {table} o WHERE o.id = l.order_id AND o.customer_id = l.customer_id)",
            ),
            (
                f"{kind}: order without exactly one charge equal to its charge_cents",
                f"SELECT o.id, o.charge_cents, COUNT(l.id) AS charges, SUM(-l.amount_cents) AS charged FROM {table} o "
                f"LEFT JOIN ledger_entries l ON l.order_kind = '{kind}' AND l.order_id = o.id AND l.kind = 'charge' "
                f"GROUP BY o.id, o.charge_cents HAVING COUNT(l.id) <> 1 OR SUM(-l.amount_cents) <> o.charge_cents",
            ),
            (
                f"{kind}: refund larger than the charge",
                f"SELECT o.id, o.charge_cents, l.amount_cents FROM {table} o JOIN ledger_entries l "
                f"ON l.order_kind = '{kind}' AND l.order_id = o.id AND l.kind = 'refund' "
                f"WHERE l.amount_cents > o.charge_cents",
            ),
        )
    return found


def stock_violations(conn: Conn) -> list[Violation]:
    """What account orders paid for is what they got: each completed order holds exactly its quantity of
    items of its product, at unit price x quantity, and no item (nor credential) is sold twice."""
    return _broken(
        conn,
        (
            "accounts: order's delivered item count != its quantity, or items of another product",
            "SELECT o.id, o.quantity, COUNT(s.id) AS items FROM account_orders o LEFT JOIN stock_items s "
            "ON s.order_id = o.id WHERE o.status = 'completed' GROUP BY o.id, o.quantity "
            "HAVING COUNT(s.id) <> o.quantity OR SUM(CASE WHEN s.product_id <> o.product_id THEN 1 ELSE 0 END) > 0",
        ),
        (
            "accounts: charge != unit price x quantity",
            "SELECT id, unit_price_cents, quantity, charge_cents FROM account_orders "
            "WHERE charge_cents <> unit_price_cents * quantity",
        ),
        (
            "accounts: sold_at and order_id disagree",
            "SELECT id, order_id, sold_at FROM stock_items WHERE (order_id IS NULL) <> (sold_at IS NULL)",
        ),
        (
            # Unique per product in the schema; this also catches one credential stocked in two products.
            "accounts: the same credential sold more than once",
            "SELECT fingerprint, COUNT(*) FROM stock_items WHERE order_id IS NOT NULL "
            "GROUP BY fingerprint HAVING COUNT(*) > 1",
        ),
    )


def topup_violations(conn: Conn) -> list[Violation]:
    """Top-ups against the ledger (payments/credit.py): a credited top-up has exactly one ledger entry, of
    its amount, for its customer; no other top-up has any."""
    return _broken(
        conn,
        (
            "topups: credited top-up without exactly one ledger entry equal to its amount",
            "SELECT t.id, t.amount_cents, COUNT(l.id) AS entries FROM topups t LEFT JOIN ledger_entries l "
            "ON l.topup_id = t.id WHERE t.status = 'credited' GROUP BY t.id, t.amount_cents "
            "HAVING COUNT(l.id) <> 1 OR SUM(l.amount_cents) <> t.amount_cents",
        ),
        (
            "topups: ledger entry for a top-up not credited, of another customer, or not a topup",
            "SELECT l.id, l.topup_id, t.status FROM ledger_entries l JOIN topups t ON t.id = l.topup_id "
            "WHERE t.status <> 'credited' OR t.customer_id <> l.customer_id OR l.kind <> 'topup'",
        ),
    )


def _broken(conn: Conn, *rules: tuple[str, str]) -> list[Violation]:
    """Run each rule's query (it selects the rows that break the rule); a violation for each that finds any."""
    found = []
    for rule, sql in rules:
        rows = conn.all(sql)
        if rows:
            found.append(Violation(rule, len(rows), tuple(_values(r) for r in rows[:EXAMPLES])))
    return found


def _values(row: Row) -> tuple[Any, ...]:
    # sqlite3.Row and psycopg's dict rows both have keys(); iterating a dict row would give its keys.
    return tuple(row[key] for key in row.keys())  # noqa: SIM118
