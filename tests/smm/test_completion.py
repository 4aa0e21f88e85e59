"""Completion times: ``completed_at`` is set by the transition into ``completed`` only, and the average
a service shows is the mean of its last ten completions once three exist."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database
from flashpanel.smm import service
from flashpanel.smm.completion import average_completion_seconds, describe
from flashpanel.smm.lifecycle import apply_transition
from tests.smm.support import order_row


def _order(db: Database, key: str, service_id: int) -> int:
    placed = db.write_sync(
        service.place_order,
        key_digest=key_digest(key),
        service_id=service_id,
        link="https://example.com/p",
        quantity=100,
        simulators=True,
    )
    return int(placed["order_id"])


def _took(conn: Conn, *, order_id: int, seconds: float) -> None:
    conn.execute("UPDATE smm_orders SET created_at = completed_at - ? WHERE id = ?", (seconds, order_id))


def test_only_the_move_into_completed_records_when_it_happened(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="1000")
    service_id = add_service()
    done, partial, cancelled = (_order(db, key, service_id) for _ in range(3))
    db.write_sync(apply_transition, order_id=done, expected="pending", target="processing")
    assert order_row(db, done)["completed_at"] is None
    db.write_sync(apply_transition, order_id=done, expected="processing", target="completed")
    db.write_sync(apply_transition, order_id=partial, expected="pending", target="partial", remains=10)
    db.write_sync(apply_transition, order_id=cancelled, expected="pending", target="cancelled")
    completed = order_row(db, done)
    assert completed["completed_at"] is not None and completed["completed_at"] >= completed["created_at"]
    assert order_row(db, partial)["completed_at"] is None and order_row(db, cancelled)["completed_at"] is None


def test_the_average_needs_three_completions_and_uses_the_last_ten(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="10000")
    service_id, other = add_service(), add_service(name="Other")
    durations = [100.0, 200.0, 300.0] + [50.0] * 10
    for number, seconds in enumerate(durations):
        order_id = _order(db, key, service_id)
        db.write_sync(apply_transition, order_id=order_id, expected="pending", target="completed")
        db.write_sync(_took, order_id=order_id, seconds=seconds)
        expected = None if number < 2 else sum(durations[: number + 1][-10:]) / min(number + 1, 10)
        assert db.read_sync(average_completion_seconds, service_id=service_id) == pytest.approx(expected)
    assert db.read_sync(average_completion_seconds, service_id=other) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "not enough data"),
        (42.4, "42 s"),
        (90, "2 min"),
        (3600, "1 h"),
        (3 * 3600 + 20 * 60, "3 h 20 min"),
        (2 * 86400 + 4 * 3600, "2 d 4 h"),
    ],
)
def test_completion_times_read_as_rounded_durations(seconds: float | None, text: str) -> None:
    assert describe(seconds) == text
