"""Time the SQL behind the slow scenarios, as the service runs it today and as proposed.

    .venv/bin/python bench/queries.py            # 1k and 1M orders, 200k stock, fresh SQLite file

The statements below are copied from ``smm/service.py::order_history`` and ``accounts/stock.py::
unsold_count`` as they were (``has_unsold`` replaced the count since) next to the proposed replacements,
run on a database loaded by ``seed.py``;
the proposed ``customer_seq`` column is added to the scratch copy only, to measure it.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import seed as seeding

COLUMNS = (
    "o.id AS order_id, s.name AS service, o.link, o.quantity, o.charge_cents, o.status, o.start_count, "
    "o.remains, o.created_at"
)


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--stock", type=int, default=200_000)
    args = parser.parse_args()
    from flashpanel.db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="fp-queries-") as tmp:
        url = f"sqlite:///{tmp}/q.db"
        upgrade(url)
        plan = seeding.Plan(customers=10, history_sizes=(1000, args.large), stock=args.stock)
        seeding.seed(url, plan, secret_key_file=Path(tmp) / "k")
        db = sqlite3.connect(f"{tmp}/q.db")
        ids = {size: plan.customers + 1 + i for i, size in enumerate(plan.history_sizes)}
        print(f"{'query':<58} {'1k':>10} {human(args.large):>10}")
        for label, make in queries().items():
            if "proposed" in label and not has_customer_seq(db):
                add_customer_seq(db)
            cells = []
            for size in plan.history_sizes:
                fn = make(db, ids[size], size, (size + 19) // 20)
                cells.append(timed(fn, 5 if size > 100_000 else 50))
            print(f"{label:<58} {cells[0]:>8.2f}ms {cells[1]:>8.2f}ms")
        current = timed(lambda: unsold_count_current(db), 20)
        capped = timed(lambda: unsold_count_capped(db), 20)
        print(f"{'stock pre-check COUNT(*) unsold (current), ' + str(args.stock) + ' items':<58} {current:>8.2f}ms")
        print(f"{'stock pre-check capped at the quantity (proposed)':<58} {capped:>8.2f}ms")


def queries() -> dict[str, Callable[[sqlite3.Connection, int, int, int], Callable[[], object]]]:
    def count(db: sqlite3.Connection, cid: int, size: int, last: int) -> Callable[[], object]:
        return lambda: db.execute("SELECT COUNT(*) FROM smm_orders WHERE customer_id = ?", (cid,)).fetchall()

    def page(offset_of: Callable[[int], int]) -> Callable[..., Callable[[], object]]:
        def make(db: sqlite3.Connection, cid: int, size: int, last: int) -> Callable[[], object]:
            return lambda: db.execute(
                f"SELECT {COLUMNS} FROM smm_orders o JOIN smm_services s ON s.id = o.service_id"
                " WHERE o.customer_id = ? ORDER BY o.id DESC LIMIT 20 OFFSET ?",
                (cid, offset_of(last)),
            ).fetchall()

        return make

    def deferred(db: sqlite3.Connection, cid: int, size: int, last: int) -> Callable[[], object]:
        return lambda: db.execute(
            f"SELECT {COLUMNS} FROM (SELECT id FROM smm_orders WHERE customer_id = ?"
            " ORDER BY id DESC LIMIT 20 OFFSET ?) p JOIN smm_orders o ON o.id = p.id"
            " JOIN smm_services s ON s.id = o.service_id ORDER BY o.id DESC",
            (cid, (last - 1) * 20),
        ).fetchall()

    def keyset(db: sqlite3.Connection, cid: int, size: int, last: int) -> Callable[[], object]:
        def run() -> object:
            total = db.execute(  # O(log n): the customer's highest sequence number is their order count
                "SELECT COALESCE(MAX(customer_seq), 0) FROM smm_orders WHERE customer_id = ?", (cid,)
            ).fetchone()[0]
            top = total - (last - 1) * 20
            return db.execute(
                f"SELECT {COLUMNS} FROM smm_orders o JOIN smm_services s ON s.id = o.service_id"
                " WHERE o.customer_id = ? AND o.customer_seq <= ? ORDER BY o.customer_seq DESC LIMIT 20",
                (cid, top),
            ).fetchall()

        return run

    return {
        "total: COUNT(*) of the customer's orders (current)": count,
        "page 1: LIMIT 20 OFFSET 0 (current)": page(lambda last: 0),
        "last page: LIMIT 20 OFFSET (last-1)*20 (current)": page(lambda last: (last - 1) * 20),
        "last page: OFFSET on the index only, then join (cheap fix)": deferred,
        "last page + total via customer_seq keyset (proposed)": keyset,
    }


def has_customer_seq(db: sqlite3.Connection) -> bool:
    return any(row[1] == "customer_seq" for row in db.execute("PRAGMA table_info(smm_orders)"))


def add_customer_seq(db: sqlite3.Connection) -> None:
    """The proposal, on this scratch copy only: a per-customer sequence number, indexed. (Added after
    the current queries are timed: with the new index and no fresh ANALYZE, SQLite's planner may pick it
    for ``ORDER BY id`` queries; the real migration would run ANALYZE or order by customer_seq.)"""
    db.execute("ALTER TABLE smm_orders ADD COLUMN customer_seq INTEGER")
    db.execute(
        "UPDATE smm_orders SET customer_seq = id - (SELECT MIN(id) FROM smm_orders m"
        " WHERE m.customer_id = smm_orders.customer_id) + 1"
    )
    db.execute("CREATE INDEX ix_smm_orders_customer_seq ON smm_orders (customer_id, customer_seq)")
    db.execute("ANALYZE")
    db.commit()


def unsold_count_current(db: sqlite3.Connection) -> object:
    return db.execute(
        "SELECT COUNT(*) FROM stock_items WHERE product_id = ? AND order_id IS NULL", (seeding.PRODUCT_ID,)
    ).fetchone()


def unsold_count_capped(db: sqlite3.Connection, quantity: int = 1) -> object:
    return db.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM stock_items WHERE product_id = ? AND order_id IS NULL LIMIT ?)",
        (seeding.PRODUCT_ID, quantity),
    ).fetchone()


def human(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


if __name__ == "__main__":
    main()
