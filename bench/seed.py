"""Fast bulk loader for the benchmark: customers, catalog, SMM orders, ledger rows and account stock.

Rows are written straight into the migrated schema (the ``tables.py`` files), never through the API:
on SQLite with ``executemany`` in one big transaction, on PostgreSQL with ``COPY``. Every seeded order
carries its ``charge`` ledger row and every customer its ``topup`` row, so the invariants the bench
checks afterwards (balance == initial - charges == ledger sum) hold from the start.

Usable on its own, e.g. to time the loader::

    .venv/bin/python bench/seed.py --orders 1000000   # fresh SQLite file in a temp dir
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIMULATOR_PROVIDER_ID = 1
SERVICE_ID = 1
SERVICE_RATE_CENTS = 50_000  # 500.00 per 1000
ORDER_QUANTITY = 100  # so one order costs exactly 50.00
ORDER_CHARGE_CENTS = SERVICE_RATE_CENTS * ORDER_QUANTITY // 1000
PRODUCT_ID = 1
PRODUCT_PRICE_CENTS = 10_000  # 100.00 per account
CHUNK = 50_000


@dataclass(frozen=True)
class Plan:
    customers: int = 1000  # the "many keys" customers
    initial_balance_cents: int = 100_000_000  # 1,000,000.00 each: orders never run out of money
    status_orders_per_customer: int = 5
    history_sizes: tuple[int, ...] = (1000, 1_000_000)
    stock: int = 100_000
    services: int = 20


@dataclass
class Seeded:
    keys: list[str] = field(default_factory=list)  # many-key customers, in id order
    status_orders: list[tuple[str, int]] = field(default_factory=list)  # (key, order id it owns)
    history_keys: dict[int, str] = field(default_factory=dict)  # orders in history -> that customer's key
    initial_cents: dict[int, int] = field(default_factory=dict)  # customer id -> initial top-up
    seconds: float = 0.0
    rows: int = 0


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()  # same as flashpanel.customers.keys.key_digest


class Loader:
    """Bulk inserts for one backend, all in one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_postgres = url.startswith(("postgresql", "postgres:"))
        self.rows = 0
        if self.is_postgres:
            import psycopg

            from flashpanel.db.runner import postgres_dsn

            self.raw: Any = psycopg.connect(postgres_dsn(url))
        else:
            from flashpanel.db.runner import sqlite_path

            self.raw = sqlite3.connect(sqlite_path(url), isolation_level=None)
            self.raw.execute("PRAGMA journal_mode=WAL")
            self.raw.execute("PRAGMA synchronous=OFF")  # a crash mid-seed just means seeding again
            self.raw.execute("PRAGMA cache_size=-200000")
            self.raw.execute("BEGIN IMMEDIATE")

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        cols = ", ".join(columns)
        if self.is_postgres:
            with self.raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    self.rows += 1
            return
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})"
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                self.raw.executemany(sql, batch)
                self.rows += len(batch)
                batch.clear()
        if batch:
            self.raw.executemany(sql, batch)
            self.rows += len(batch)

    def commit(self) -> None:
        if self.is_postgres:
            with self.raw.cursor() as cur:
                for table in (
                    "providers",
                    "customers",
                    "smm_services",
                    "smm_orders",
                    "ledger_entries",
                    "account_categories",
                    "account_products",
                    "stock_items",
                ):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
            self.raw.commit()
            with self.raw.cursor() as cur:  # fresh statistics, as a live database would have
                self.raw.autocommit = True
                cur.execute("ANALYZE")
        else:
            self.raw.execute("COMMIT")
            self.raw.execute("ANALYZE")
        self.raw.close()


def seed(url: str, plan: Plan, *, secret_key_file: Path) -> Seeded:
    """Load ``plan`` into the (already migrated, empty) database at ``url``."""
    from flashpanel.crypto import open_secret_box

    started = time.perf_counter()
    box = open_secret_box(secret_key_file)
    out = Seeded()
    db = Loader(url)
    t0 = time.time() - 86_400

    # The services are the built-in simulator's: the bench runs with FLASHPANEL_SIMULATORS=true.
    db.insert(
        "providers",
        ("id", "name", "kind", "exchange_rate", "active", "created_at"),
        [(SIMULATOR_PROVIDER_ID, "simulator", "simulator", "1", True, t0)],
    )
    db.insert(
        "smm_services",
        (
            "id",
            "name",
            "category",
            "type",
            "rate_cents",
            "min_quantity",
            "max_quantity",
            "description",
            "active",
            "provider_id",
            "refill",
            "cancel",
            "dripfeed",
            "created_at",
        ),
        (
            (
                i,
                f"Bench Service {i}",
                f"Category {i % 4}",
                "Default",
                SERVICE_RATE_CENTS,
                10,
                100_000,
                "benchmark service",
                True,
                SIMULATOR_PROVIDER_ID,
                False,
                False,
                False,
                t0,
            )
            for i in range(1, plan.services + 1)
        ),
    )

    # Customers: the many-key ones first, then one per history size.
    customer_rows: list[tuple[Any, ...]] = []
    order_counts: dict[int, int] = {}
    cid = 0
    for _ in range(plan.customers):
        cid += 1
        key = secrets.token_urlsafe(32)
        out.keys.append(key)
        order_counts[cid] = plan.status_orders_per_customer
        customer_rows.append((cid, f"bench-{cid:06d}", key))
    for size in plan.history_sizes:
        cid += 1
        key = secrets.token_urlsafe(32)
        out.history_keys[size] = key
        order_counts[cid] = size
        customer_rows.append((cid, f"bench-history-{size}", key))

    balances: dict[int, int] = {}
    for row_cid, _name, _key in customer_rows:
        initial = max(plan.initial_balance_cents, (order_counts[row_cid] + 1) * ORDER_CHARGE_CENTS)
        out.initial_cents[row_cid] = initial
        balances[row_cid] = initial - order_counts[row_cid] * ORDER_CHARGE_CENTS
    db.insert(
        "customers",
        ("id", "name", "api_key_digest", "balance_cents", "active", "created_at", "smm_orders_count"),
        ((c, name, key_digest(key), balances[c], True, t0, order_counts[c]) for c, name, key in customer_rows),
    )

    # Orders and their charge rows, generated customer by customer (ids ascending with time).
    order_id = 0
    ledger_id = 0
    orders: list[tuple[Any, ...]] = []
    ledger: list[tuple[Any, ...]] = []
    for c, _name, key in customer_rows:
        ledger_id += 1
        running = out.initial_cents[c]
        ledger.append((ledger_id, c, running, running, "topup", None, None, "bench initial balance", t0))
        n = order_counts[c]
        for i in range(n):
            order_id += 1
            ledger_id += 1
            running -= ORDER_CHARGE_CENTS
            at = t0 + 1 + i * (80_000 / max(n, 1))
            orders.append(
                (
                    order_id,
                    c,
                    SERVICE_ID,
                    f"https://example.com/p/{order_id}",
                    ORDER_QUANTITY,
                    ORDER_CHARGE_CENTS,
                    0,
                    "completed",
                    1000,
                    0,
                    at,
                    at,
                    i + 1,
                )
            )
            ledger.append((ledger_id, c, -ORDER_CHARGE_CENTS, running, "charge", "smm", order_id, None, at))
            if c <= plan.customers:
                out.status_orders.append((key, order_id))
            if len(orders) >= CHUNK:
                _flush(db, orders, ledger)
        _flush(db, orders, ledger)

    # Accounts: one category, one product, a large encrypted stock.
    db.insert("account_categories", ("id", "name", "icon"), [(1, "Bench", "box")])
    db.insert(
        "account_products",
        (
            "id",
            "category_id",
            "name",
            "price_cents",
            "min_quantity",
            "max_quantity",
            "description",
            "active",
            "created_at",
        ),
        [(PRODUCT_ID, 1, "Bench Account", PRODUCT_PRICE_CENTS, 1, 10, "benchmark stock", True, t0)],
    )
    db.insert(
        "stock_items",
        ("id", "product_id", "secret_encrypted", "fingerprint", "created_at"),
        _stock_rows(box, plan.stock, t0),
    )
    db.commit()
    out.rows = db.rows
    out.seconds = time.perf_counter() - started
    return out


def _flush(db: Loader, orders: list[tuple[Any, ...]], ledger: list[tuple[Any, ...]]) -> None:
    if orders:
        db.insert(
            "smm_orders",
            (
                "id",
                "customer_id",
                "service_id",
                "link",
                "quantity",
                "charge_cents",
                "refunded_cents",
                "status",
                "start_count",
                "remains",
                "created_at",
                "updated_at",
                "customer_seq",
            ),
            orders,
        )
        orders.clear()
    if ledger:
        db.insert(
            "ledger_entries",
            (
                "id",
                "customer_id",
                "amount_cents",
                "balance_after_cents",
                "kind",
                "order_kind",
                "order_id",
                "note",
                "created_at",
            ),
            ledger,
        )
        ledger.clear()


def _stock_rows(box: Any, count: int, at: float) -> Iterator[tuple[Any, ...]]:
    for i in range(1, count + 1):
        plain = f"bench{i}@example.com:pw-{i}-{secrets.token_hex(4)}"
        yield (i, PRODUCT_ID, box.encrypt(plain), box.fingerprint(plain), at)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the bulk loader on a fresh SQLite database.")
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders for the large history customer")
    parser.add_argument("--stock", type=int, default=10_000)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file in a temp dir)")
    args = parser.parse_args()
    from flashpanel.db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="fp-seed-") as tmp:
        url = args.url or f"sqlite:///{tmp}/seed.db"
        upgrade(url)
        result = seed(
            url, Plan(history_sizes=(1000, args.orders), stock=args.stock), secret_key_file=Path(tmp) / "secret.key"
        )
        print(f"loaded {result.rows:,} rows in {result.seconds:.1f} s ({result.rows / result.seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
