"""Cancel and refill rules called directly, without HTTP: who may, when, and what each answer means."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database
from flashpanel.errors import IllegalTransition
from flashpanel.smm import service
from flashpanel.smm.cancel import CancelOutcome, cancel_orders
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.refill import RefillRefusal, lease_due, record_outcome, refill_statuses, request_refills
from tests.smm.support import balance_of, order_row


def _place(db: Database, key: str, service_id: int) -> int:
    placed = db.write_sync(
        service.place_order, key_digest=key_digest(key), service_id=service_id, link="https://x.test/a", quantity=1000,
        simulators=True,
    )  # fmt: skip
    return int(placed["order_id"])


def _hand_to_provider(db: Database, order_id: int) -> None:
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="processing", upstream_order_id="u1")


def test_an_order_nobody_was_asked_to_fulfil_is_cancelled_and_refunded_at_once(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="10.00")
    order_id = _place(db, key, add_service(rate="1.00"))
    assert db.write_sync(cancel_orders, key_digest=key_digest(key), order_ids=[order_id]) == [CancelOutcome.CANCELLED]
    assert order_row(db, order_id)["status"] == "cancelled"
    assert balance_of(db, key) == 1000


def test_an_order_the_provider_has_is_only_asked_about_and_only_where_the_service_allows_it(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="10.00")
    cancellable = _place(db, key, add_service(name="Cancellable", rate="1.00", cancel=True))
    fixed = _place(db, key, add_service(name="Fixed", rate="1.00", cancel=False))
    for order_id in (cancellable, fixed):
        _hand_to_provider(db, order_id)
    outcomes = db.write_sync(cancel_orders, key_digest=key_digest(key), order_ids=[cancellable, fixed, cancellable])
    assert outcomes == [CancelOutcome.REQUESTED, CancelOutcome.UNSUPPORTED, CancelOutcome.REQUESTED]
    assert order_row(db, cancellable)["status"] == "processing"
    assert order_row(db, cancellable)["cancel_requested_at"] is not None
    assert balance_of(db, key) == 800  # nothing moves back until the upstream answers, through status sync


def test_someone_elses_order_is_unknown_and_an_ended_one_cannot_be_cancelled(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    owner, stranger = make_customer(balance="10.00"), make_customer()
    order_id = _place(db, owner, add_service(rate="1.00"))
    assert db.write_sync(cancel_orders, key_digest=key_digest(stranger), order_ids=[order_id, None]) == [
        CancelOutcome.UNKNOWN_ORDER,
        CancelOutcome.UNKNOWN_ORDER,
    ]
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="completed")
    assert db.write_sync(cancel_orders, key_digest=key_digest(owner), order_ids=[order_id]) == [CancelOutcome.FINISHED]


def test_only_a_completed_order_of_a_refill_service_is_refilled_and_asking_again_finds_the_same_refill(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="10.00")
    refillable = _place(db, key, add_service(name="Refillable", rate="1.00", refill=True))
    plain = _place(db, key, add_service(name="Plain", rate="1.00", refill=False))
    ask = [refillable, plain]
    assert db.write_sync(request_refills, key_digest=key_digest(key), order_ids=ask) == [
        RefillRefusal.NOT_COMPLETED,
        RefillRefusal.UNSUPPORTED,
    ]
    db.write_sync(apply_transition, order_id=refillable, expected="pending", target="completed")
    first = db.write_sync(request_refills, key_digest=key_digest(key), order_ids=[refillable])
    again = db.write_sync(request_refills, key_digest=key_digest(key), order_ids=[refillable])
    assert isinstance(first[0], int)
    assert again == first
    assert db.read_sync(refill_statuses, key_digest=key_digest(key), refill_ids=[first[0]]) == {first[0]: "pending"}


def test_a_refill_cannot_leave_an_ended_status(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="10.00")
    order_id = _place(db, key, add_service(rate="1.00", refill=True))
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="completed")
    db.write_sync(request_refills, key_digest=key_digest(key), order_ids=[order_id])
    _make_refills_due(db)
    (job,) = db.write_sync(lease_due, status="pending", at=10**10)
    assert db.write_sync(record_outcome, job=job, status="rejected", at=10**10) is True
    ended = msgspec.structs.replace(job, status="rejected")
    with pytest.raises(IllegalTransition):
        db.write_sync(record_outcome, job=ended, status="in_progress", at=10**10)


def _make_refills_due(db: Database) -> None:
    db.write_sync(lambda c: c.execute("UPDATE smm_refills SET next_check_at = 0"))
