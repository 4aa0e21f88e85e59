"""The data checks after a write scenario: every answered order is there with its charge row, and the
books hold (flashpanel.wallet.invariants: balances equal the ledger, money in = charges - refunds +
balances, one charge per order, no stock item sold twice), the same SQL the scale test checks."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import seed as seeding

from flashpanel.db.runner import Database, open_database
from flashpanel.wallet.invariants import check_books


class Db:
    """Read-only access for the checks (sqlite3 / psycopg, ``?`` placeholders). Outside
    :meth:`snapshot` every statement sees the latest committed data."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._books: Database | None = None
        self.is_postgres = url.startswith("postgres")
        if self.is_postgres:
            import psycopg

            self.raw: Any = psycopg.connect(url, autocommit=True)
        else:
            import sqlite3

            self.raw = sqlite3.connect(url[len("sqlite:///") :], timeout=30, isolation_level=None)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """All statements inside see one consistent state, even if the server is still committing
        (SQLite WAL read transaction / PostgreSQL REPEATABLE READ)."""
        self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if self.is_postgres else "BEGIN")
        try:
            yield
        finally:
            self.raw.execute("COMMIT")

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.is_postgres:
            sql = sql.replace("?", "%s")
        rows: list[tuple[Any, ...]] = self.raw.execute(sql, params).fetchall()
        return rows

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.all(sql, params)[0][0]

    def books_violations(self) -> list[str]:
        """The books' invariants, read through flashpanel's own database layer (opened once)."""
        if self._books is None:
            self._books = open_database(self.url, pool_size=1)
        return [str(violation) for violation in self._books.read_sync(check_books).violations]

    def close(self) -> None:
        self.raw.close()
        if self._books is not None:
            self._books.close()


def check_money(db: Db) -> list[str]:
    """The books: each balance is its ledger sum and never negative, money in (the seeded top-ups) equals
    charges - refunds + balances, and every order has its one charge (flashpanel.wallet.invariants)."""
    problems = db.books_violations()
    if problems:
        return [f"{len(problems)} books invariant(s) broken, e.g. {problems[0]}"]
    return []


def check_counts(kind: str, new_orders: int, ok: int, bad: int, in_flight: int) -> list[str]:
    problems = []
    if new_orders < ok:
        problems.append(f"LOST DATA: {ok} {kind} requests answered 2xx but only {new_orders} new orders exist")
    if new_orders > ok + in_flight:
        problems.append(f"{new_orders} new {kind} orders for {ok} 2xx answers (+{in_flight} cut off in flight)")
    return problems


def snapshot_max_id(db: Db, table: str) -> int:
    return int(db.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))


def wait_until_quiet(db: Db, table: str, *, settle: float = 1.0, timeout: float = 60.0) -> None:
    """Wait until no new row has appeared in ``table`` for ``settle`` seconds: requests wrk gave up on
    at the end of a run are still queued in the server and commit after wrk has stopped."""
    deadline = time.monotonic() + timeout
    last, quiet_since = snapshot_max_id(db, table), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        current = snapshot_max_id(db, table)
        if current != last:
            last, quiet_since = current, time.monotonic()
        elif time.monotonic() - quiet_since >= settle:
            return


def check_smm_orders(db: Db, seeded: seeding.Seeded, before: int, ok: int, bad: int, in_flight: int) -> list[str]:
    new = int(db.scalar("SELECT COUNT(*) FROM smm_orders WHERE id > ?", (before,)))
    problems = check_counts("SMM", new, ok, bad, in_flight)
    wrong = db.scalar(
        "SELECT COUNT(*) FROM smm_orders WHERE id > ? AND (charge_cents != ? OR quantity != ? OR service_id != ?)",
        (before, seeding.ORDER_CHARGE_CENTS, seeding.ORDER_QUANTITY, seeding.SERVICE_ID),
    )
    if wrong:
        problems.append(f"{wrong} new SMM orders with a wrong charge, quantity or service")
    unmatched = db.scalar(
        "SELECT COUNT(*) FROM smm_orders o WHERE o.id > ? AND 1 != (SELECT COUNT(*) FROM ledger_entries l"
        " WHERE l.kind = 'charge' AND l.order_kind = 'smm' AND l.order_id = o.id"
        " AND l.customer_id = o.customer_id AND l.amount_cents = -o.charge_cents)",
        (before,),
    )
    if unmatched:
        problems.append(f"{unmatched} new SMM orders without exactly one matching charge ledger row")
    orders = db.scalar("SELECT COUNT(*) FROM smm_orders")
    charges = db.scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'charge' AND order_kind = 'smm'")
    if orders != charges:
        problems.append(f"{orders} SMM orders but {charges} SMM charge ledger rows")
    return problems + check_money(db)


def check_account_orders(db: Db, seeded: seeding.Seeded, before: int, ok: int, bad: int, in_flight: int) -> list[str]:
    new, _units = db.all("SELECT COUNT(*), COALESCE(SUM(quantity), 0) FROM account_orders WHERE id > ?", (before,))[0]
    problems = check_counts("accounts", int(new), ok, bad, in_flight)
    sold, distinct_fp, distinct_secret = db.all(
        "SELECT COUNT(*), COUNT(DISTINCT fingerprint), COUNT(DISTINCT secret_encrypted) FROM stock_items"
        " WHERE order_id IS NOT NULL"
    )[0]
    total_units = db.scalar("SELECT COALESCE(SUM(quantity), 0) FROM account_orders")
    if sold != total_units:
        problems.append(f"{sold} stock items marked sold for {total_units} units ordered")
    if not (sold == distinct_fp == distinct_secret):
        problems.append(f"DUPLICATED STOCK: {sold} sold rows, {distinct_fp} distinct fingerprints")
    short = db.scalar(
        "SELECT COUNT(*) FROM account_orders a WHERE a.quantity != (SELECT COUNT(*) FROM stock_items s"
        " WHERE s.order_id = a.id)"
    )
    if short:
        problems.append(f"{short} account orders whose delivered items do not match their quantity")
    wrong = db.scalar(
        "SELECT COUNT(*) FROM account_orders WHERE charge_cents != quantity * unit_price_cents"
        " OR unit_price_cents != ?",
        (seeding.PRODUCT_PRICE_CENTS,),
    )
    if wrong:
        problems.append(f"{wrong} account orders with a wrong charge")
    unmatched = db.scalar(
        "SELECT COUNT(*) FROM account_orders a WHERE 1 != (SELECT COUNT(*) FROM ledger_entries l"
        " WHERE l.kind = 'charge' AND l.order_kind = 'accounts' AND l.order_id = a.id"
        " AND l.customer_id = a.customer_id AND l.amount_cents = -a.charge_cents)"
    )
    if unmatched:
        problems.append(f"{unmatched} account orders without exactly one matching charge ledger row")
    return problems + check_money(db)
