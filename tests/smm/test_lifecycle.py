"""The one transition function: legal moves only, refunds computed right and paid exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database, open_database
from flashpanel.smm import service
from flashpanel.smm.lifecycle import IllegalTransition, apply_transition, refund_for
from tests.smm.support import balance_of, ledger_rows, order_row


def _order(db: Database, key: str, service_id: int, quantity: int = 1000) -> int:
    placed = db.write_sync(
        service.place_order,
        key_digest=key_digest(key),
        service_id=service_id,
        link="https://example.com/p",
        quantity=quantity,
        simulators=True,
    )
    return int(placed["order_id"])


@pytest.mark.parametrize(
    ("status", "charge", "quantity", "remains", "refund"),
    [
        ("partial", 50000, 1000, 157, 7850),  # charge * remains / quantity
        ("partial", 100, 3, 1, 33),  # 33.33 -> 33
        ("partial", 101, 2, 1, 51),  # 50.5 -> 51 (half-up)
        ("partial", 500, 1000, -20, 0),  # over-delivered: clamped to 0
        ("partial", 500, 1000, 5000, 500),  # remains above quantity: clamped, never more than the charge
        ("cancelled", 500, 1000, 10, 500),
        ("completed", 500, 1000, 0, 0),
        ("in_progress", 500, 1000, 300, 0),
    ],
)
def test_refund_amounts(status: str, charge: int, quantity: int, remains: int, refund: int) -> None:
    assert refund_for(status=status, charge_cents=charge, quantity=quantity, remains=remains) == refund


def test_partial_refund_equals_remains_times_rate_over_1000_without_discount() -> None:
    rate_cents, quantity, remains = 50000, 1000, 157
    charge = rate_cents * quantity // 1000
    expected = Decimal(rate_cents) * remains / 1000
    assert refund_for(status="partial", charge_cents=charge, quantity=quantity, remains=remains) == expected


def test_partial_order_refunds_the_remains_once(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="500")
    order_id = _order(db, key, add_service(rate="500"))
    applied = db.write_sync(apply_transition, order_id=order_id, expected="pending", target="partial", remains=157)
    assert applied is not None and applied.refunded_cents == 7850
    again = db.write_sync(apply_transition, order_id=order_id, expected="pending", target="partial", remains=157)
    assert again is None
    row = order_row(db, order_id)
    assert (row["status"], row["remains"], row["refunded_cents"], row["next_check_at"]) == ("partial", 157, 7850, None)
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 7850)]
    assert balance_of(db, key) == 7850


def test_cancelled_order_refunds_the_whole_charge_once(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="500")
    order_id = _order(db, key, add_service(rate="500"))
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="processing")
    applied = db.write_sync(apply_transition, order_id=order_id, expected="processing", target="cancelled")
    assert applied is not None and applied.refunded_cents == 50000
    assert db.write_sync(apply_transition, order_id=order_id, expected="processing", target="cancelled") is None
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]
    assert balance_of(db, key) == 50000


def test_completed_order_sets_remains_to_zero_and_refunds_nothing(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="500")
    order_id = _order(db, key, add_service(rate="500"))
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="completed", start_count=10)
    row = order_row(db, order_id)
    assert (row["status"], row["remains"], row["start_count"], row["refunded_cents"]) == ("completed", 0, 10, 0)
    assert ledger_rows(db, order_id) == [("charge", -50000)]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        (["completed"], "pending"),
        (["completed"], "partial"),
        (["completed"], "completed"),
        (["cancelled"], "processing"),
        (["partial"], "cancelled"),
        (["in_progress"], "processing"),
        (["processing"], "pending"),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int], path: list[str], illegal: str
) -> None:
    key = make_customer(balance="500")
    order_id = _order(db, key, add_service(rate="500"))
    current = "pending"
    for target in path:
        db.write_sync(apply_transition, order_id=order_id, expected=current, target=target, remains=10)
        current = target
    before = (order_row(db, order_id), ledger_rows(db, order_id))
    with pytest.raises(IllegalTransition):
        db.write_sync(apply_transition, order_id=order_id, expected=current, target=illegal, remains=5)
    assert (order_row(db, order_id), ledger_rows(db, order_id)) == before


@pytest.mark.parametrize("targets", [("partial", "partial"), ("partial", "cancelled"), ("cancelled", "completed")])
def test_two_racing_updates_apply_exactly_one_transition_and_refund_at_most_once(
    db: Database,
    database_url: str,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    targets: tuple[str, str],
) -> None:
    key = make_customer(balance="500")
    order_id = _order(db, key, add_service(rate="500"))
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="in_progress")
    # Two independent handles (separate connections), as two worker processes would have.
    handles = [open_database(database_url, pool_size=1) for _ in targets]
    barrier = threading.Barrier(len(targets))

    def attempt(i: int) -> object:
        barrier.wait()
        return handles[i].write_sync(
            apply_transition, order_id=order_id, expected="in_progress", target=targets[i], remains=250
        )

    try:
        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            results = list(pool.map(attempt, range(len(targets))))
    finally:
        for handle in handles:
            handle.close()
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    status = order_row(db, order_id)["status"]
    refunds = [amount for kind, amount in ledger_rows(db, order_id) if kind == "refund"]
    expected = {"partial": [12500], "cancelled": [50000], "completed": []}[status]
    assert refunds == expected
    assert balance_of(db, key) == sum(expected)
    assert order_row(db, order_id)["refunded_cents"] == sum(expected)


def test_many_racing_refunds_pay_once(
    db: Database, database_url: str, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="500")
    order_id = _order(db, key, add_service(rate="500"))
    handles = [open_database(database_url, pool_size=2) for _ in range(4)]
    barrier = threading.Barrier(8)

    def attempt(i: int) -> object:
        barrier.wait()
        return handles[i % 4].write_sync(apply_transition, order_id=order_id, expected="pending", target="cancelled")

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(attempt, range(8)))
    finally:
        for handle in handles:
            handle.close()
    assert sum(r is not None for r in results) == 1
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]
    assert balance_of(db, key) == 50000


def test_concurrent_placements_succeed_exactly_as_often_as_the_balance_covers(
    db: Database, database_url: str, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    from flashpanel.errors import InsufficientBalance

    key = make_customer(balance="5.00")
    service_id = add_service(rate="1", min_quantity=1)  # 1000 units cost 1.00: the wallet covers five
    handles = [open_database(database_url, pool_size=2) for _ in range(4)]

    def attempt(i: int) -> bool:
        try:
            _ = handles[i % 4].write_sync(
                service.place_order,
                key_digest=key_digest(key),
                service_id=service_id,
                link="https://example.com/p",
                quantity=1000,
                simulators=True,
            )
            return True
        except InsufficientBalance:
            return False

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(attempt, range(12)))
    finally:
        for handle in handles:
            handle.close()
    assert results.count(True) == 5
    assert balance_of(db, key) == 0
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_orders")) == 5
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'charge'")) == 5
