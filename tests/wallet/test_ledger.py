"""The ledger is the only code that moves money: balance == sum of ledger, never negative."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashpanel.customers import service as customers
from flashpanel.db.runner import Conn, Database, open_database
from flashpanel.errors import InsufficientBalance, RuleViolation
from flashpanel.wallet import ledger
from flashpanel.wallet.ledger import LedgerKind

_PROPERTY_RUNS = itertools.count(1)


def _new_customer(db: Database, name: str, balance: str = "0") -> int:
    db.write_sync(customers.create_customer, name=name, initial_balance=Decimal(balance))
    return db.read_sync(customers.customer_id_by_name, name=name)


def _debit(conn: Conn, *, customer_id: int, cents: int) -> int:
    return ledger.move_money(conn, customer_id=customer_id, amount_cents=-cents, kind="charge")


LEDGER_KINDS: list[LedgerKind] = ["topup", "charge", "refund", "adjustment"]
operations = st.lists(
    st.tuples(
        st.sampled_from(LEDGER_KINDS),
        st.integers(min_value=1, max_value=10**9),
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_movements_keeps_balance_equal_to_ledger_and_never_negative(
    db: Database, ops: list[tuple[LedgerKind, int]]
) -> None:
    customer_id = _new_customer(db, f"prop-{next(_PROPERTY_RUNS)}")  # one customer per example
    expected = 0
    for kind, cents in ops:
        signed = -cents if kind in ("charge", "adjustment") else cents
        try:
            db.write_sync(ledger.move_money, customer_id=customer_id, amount_cents=signed, kind=kind)
            expected += signed
        except InsufficientBalance:
            assert expected + signed < 0  # refused only when it would go negative
        balance = db.read_sync(ledger.balance_cents, customer_id=customer_id)
        assert balance == expected >= 0
        assert db.read_sync(ledger.ledger_sum_cents, customer_id=customer_id) == balance


def test_each_movement_is_one_ledger_row_with_the_balance_after(db: Database) -> None:
    customer_id = _new_customer(db, "rows", "10.00")
    db.write_sync(_debit, customer_id=customer_id, cents=250)
    rows = db.read_sync(
        lambda conn: conn.all(
            "SELECT amount_cents, balance_after_cents, kind FROM ledger_entries WHERE customer_id = ? ORDER BY id",
            (customer_id,),
        )
    )
    assert [(r["amount_cents"], r["balance_after_cents"], r["kind"]) for r in rows] == [
        (1000, 1000, "topup"),
        (-250, 750, "charge"),
    ]


def test_a_refused_debit_writes_nothing(db: Database) -> None:
    customer_id = _new_customer(db, "short", "1.00")
    with pytest.raises(InsufficientBalance):
        db.write_sync(_debit, customer_id=customer_id, cents=101)
    assert db.read_sync(ledger.balance_cents, customer_id=customer_id) == 100
    assert (
        db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM ledger_entries WHERE customer_id = ?", (customer_id,)))
        == 1
    )


def test_concurrent_debits_succeed_exactly_as_often_as_the_balance_covers(db: Database, database_url: str) -> None:
    customer_id = _new_customer(db, "race", "10.00")  # covers 10 debits of 1.00
    attempts = 40
    # Independent handles race on separate connections, as separate processes would.
    handles = [open_database(database_url, pool_size=4) for _ in range(4)]

    def attempt(i: int) -> bool:
        try:
            handles[i % len(handles)].write_sync(_debit, customer_id=customer_id, cents=100)
            return True
        except InsufficientBalance:
            return False

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(attempt, range(attempts)))
    finally:
        for handle in handles:
            handle.close()
    assert results.count(True) == 10
    assert db.read_sync(ledger.balance_cents, customer_id=customer_id) == 0
    assert db.read_sync(ledger.ledger_sum_cents, customer_id=customer_id) == 0


def test_an_order_can_be_refunded_only_once(db: Database) -> None:
    customer_id = _new_customer(db, "refund-once", "5.00")
    db.write_sync(ledger.charge, customer_id=customer_id, amount_cents=300, order_kind="smm", order_id=1)
    db.write_sync(ledger.refund, customer_id=customer_id, amount_cents=300, order_kind="smm", order_id=1)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        db.write_sync(ledger.refund, customer_id=customer_id, amount_cents=300, order_kind="smm", order_id=1)
    assert db.read_sync(ledger.balance_cents, customer_id=customer_id) == 500


def test_a_connection_killed_by_the_server_is_replaced_and_the_unit_it_broke_runs_once_more(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite connections are files, the server cannot drop them")
    handle = open_database(database_url, pool_size=1)
    killer = open_database(database_url, pool_size=1)

    def kill_the_connection() -> int:
        pid = int(handle.read_sync(lambda c: c.scalar("SELECT pg_backend_pid()")))
        killer.read_sync(lambda c: c.scalar("SELECT pg_terminate_backend(?)", (pid,)))
        return pid

    try:
        customer_id = _new_customer(db=handle, name="reconnect", balance="5.00")
        pid = kill_the_connection()
        # A read wrote nothing, so it is run again on a fresh connection: the caller never sees the drop.
        assert handle.read_sync(ledger.balance_cents, customer_id=customer_id) == 500
        assert handle.read_sync(lambda c: c.scalar("SELECT pg_backend_pid()")) != pid
        kill_the_connection()
        # A write that met the dead connection before its COMMIT was rolled back by the server: it runs
        # once more on a fresh connection, and the charge is made exactly once.
        handle.write_sync(ledger.charge, customer_id=customer_id, amount_cents=100, order_kind="smm", order_id=1)
        assert handle.read_sync(ledger.balance_cents, customer_id=customer_id) == 400
        assert handle.read_sync(ledger.ledger_sum_cents, customer_id=customer_id) == 400
        charges = handle.read_sync(
            lambda c: c.scalar(
                "SELECT COUNT(*) FROM ledger_entries WHERE customer_id = ? AND kind = 'charge'", (customer_id,)
            )
        )
        assert charges == 1
    finally:
        killer.close()
        handle.close()


def test_a_unit_whose_connection_dies_half_way_is_rolled_back_and_run_again_and_a_refusal_is_not(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite connections are files, the server cannot drop them")
    handle = open_database(database_url, pool_size=1)
    killer = open_database(database_url, pool_size=1)
    customer_id = _new_customer(db=handle, name="half-way", balance="5.00")
    attempts: list[int] = []

    def charge_then_lose_the_connection(conn: Conn) -> int:
        attempts.append(1)
        balance = ledger.charge(conn, customer_id=customer_id, amount_cents=100, order_kind="smm", order_id=7)
        if len(attempts) == 1:  # the server drops this session after the charge was written, before COMMIT
            pid = conn.scalar("SELECT pg_backend_pid()")
            killer.read_sync(lambda c: c.scalar("SELECT pg_terminate_backend(?)", (pid,)))
            conn.scalar("SELECT 1")
        return balance

    def refused(conn: Conn) -> None:
        attempts.append(1)
        ledger.charge(conn, customer_id=customer_id, amount_cents=100, order_kind="smm", order_id=8)
        raise RuleViolation("refused after writing")

    try:
        assert handle.write_sync(charge_then_lose_the_connection) == 400
        assert len(attempts) == 2
        assert handle.read_sync(ledger.ledger_sum_cents, customer_id=customer_id) == 400
        attempts.clear()
        with pytest.raises(RuleViolation):
            handle.write_sync(refused)
        assert len(attempts) == 1  # a live connection's error is the unit's own answer: never run twice
        assert handle.read_sync(ledger.balance_cents, customer_id=customer_id) == 400
    finally:
        killer.close()
        handle.close()
