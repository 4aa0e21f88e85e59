"""Every status change of an SMM or OTP order is recorded by the database, in the change's own unit of
work, whichever code path made it; nothing is recorded for a change that did not happen."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from flashpanel.customers import service as customers
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database, now
from flashpanel.orders_history import StatusChange, status_history
from flashpanel.otp import lifecycle as otp_lifecycle
from flashpanel.smm import catalog
from flashpanel.smm import lifecycle as smm_lifecycle
from flashpanel.smm.service import place_order
from flashpanel.wallet import ledger


@pytest.fixture
def smm_order_id(db: Database, make_customer: Callable[..., str]) -> int:
    """A pending SMM order of 1000 (charge 500.00)."""
    spec = catalog.ServiceInput(
        name="Test Followers",
        category="Test Social",
        rate=Decimal("500.00"),
        min_quantity=100,
        max_quantity=10000,
        description="",
        provider="simulator",
    )
    service_id = db.write_sync(catalog.add_service, spec=spec)
    key = make_customer("ada", balance="1000")
    placed = db.write_sync(
        place_order, key_digest=key_digest(key), service_id=service_id, link="https://example.com/a", quantity=1000,
        simulators=True,
    )  # fmt: skip
    return int(placed["order_id"])


@pytest.fixture
def otp_order_id(db: Database, make_customer: Callable[..., str]) -> int:
    """A pending OTP order charged 150.00 (as the purchase inserts it, before the provider gives a number)."""
    make_customer("bola", balance="1000")

    def insert(conn: Conn) -> int:
        conn.execute("INSERT INTO otp_countries (id, name, code) VALUES (1, 'Testland', 'TL')")
        conn.execute(
            "INSERT INTO otp_services (id, country_id, name, code, price_cents) VALUES (1, 1, 'Chat', 'c', 15000)"
        )
        owner = customers.customer_id_by_name(conn, name="bola")
        at = now()
        row = conn.one(
            "INSERT INTO otp_orders (request_id, customer_id, otp_service_id, country_id, charge_cents, status, "
            "created_at, updated_at) VALUES ('req-1', ?, 1, 1, 15000, 'pending', ?, ?) RETURNING id",
            (owner, at, at),
        )
        assert row is not None
        ledger.charge(conn, customer_id=owner, amount_cents=15000, order_kind="otp", order_id=int(row["id"]))
        return int(row["id"])

    return int(db.write_sync(insert))


def _changes(db: Database, line: str, order_id: int) -> list[tuple[str, str]]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT from_status, to_status FROM order_status_changes WHERE line = ? AND order_id = ? ORDER BY id",
            (line, order_id),
        )
    )
    return [(r["from_status"], r["to_status"]) for r in rows]


def _updated_at(db: Database, table: str, order_id: int) -> float:
    return float(db.read_sync(lambda c: c.scalar(f"SELECT updated_at FROM {table} WHERE id = ?", (order_id,))))


def test_an_smm_order_records_each_status_change_with_its_time(db: Database, smm_order_id: int) -> None:
    move = smm_lifecycle.apply_transition
    db.write_sync(move, order_id=smm_order_id, expected="pending", target="processing", upstream_order_id="up-1")
    processing_at = _updated_at(db, "smm_orders", smm_order_id)
    db.write_sync(move, order_id=smm_order_id, expected="processing", target="processing", remains=600)  # progress only
    db.write_sync(move, order_id=smm_order_id, expected="processing", target="partial", remains=400)
    assert _changes(db, "smm", smm_order_id) == [("pending", "processing"), ("processing", "partial")]
    rows = db.read_sync(lambda c: c.all("SELECT at FROM order_status_changes ORDER BY id"))
    assert float(rows[0]["at"]) == processing_at
    assert float(rows[1]["at"]) == _updated_at(db, "smm_orders", smm_order_id)


def test_an_otp_order_records_pending_to_waiting_to_cancelled(db: Database, otp_order_id: int) -> None:
    move = otp_lifecycle.apply_transition
    db.write_sync(move, order_id=otp_order_id, expected="pending", target="waiting", phone_number="+2348000000000")
    db.write_sync(move, order_id=otp_order_id, expected="waiting", target="cancelled")
    assert _changes(db, "otp", otp_order_id) == [("pending", "waiting"), ("waiting", "cancelled")]


def test_a_transition_that_loses_its_race_records_nothing(
    db: Database, smm_order_id: int, otp_order_id: int
) -> None:
    db.write_sync(smm_lifecycle.apply_transition, order_id=smm_order_id, expected="pending", target="cancelled")
    lost = db.write_sync(smm_lifecycle.apply_transition, order_id=smm_order_id, expected="pending", target="cancelled")
    assert lost is None
    assert _changes(db, "smm", smm_order_id) == [("pending", "cancelled")]
    late = db.write_sync(otp_lifecycle.apply_transition, order_id=otp_order_id, expected="waiting", target="expired")
    assert late is None
    assert _changes(db, "otp", otp_order_id) == []


def test_a_status_change_rolled_back_with_its_unit_leaves_no_row(db: Database, smm_order_id: int) -> None:
    def move_then_fail(conn: Conn) -> None:
        smm_lifecycle.apply_transition(conn, order_id=smm_order_id, expected="pending", target="cancelled")
        raise RuntimeError("the unit of work fails after the change")

    with pytest.raises(RuntimeError):
        db.write_sync(move_then_fail)
    assert _changes(db, "smm", smm_order_id) == []


def test_a_status_update_outside_the_lifecycle_is_recorded_at_the_databases_time(
    db: Database, smm_order_id: int
) -> None:
    before = now()
    db.write_sync(lambda c: c.execute("UPDATE smm_orders SET status = 'processing' WHERE id = ?", (smm_order_id,)))
    db.write_sync(lambda c: c.execute("UPDATE smm_orders SET status = 'processing' WHERE id = ?", (smm_order_id,)))
    assert _changes(db, "smm", smm_order_id) == [("pending", "processing")]
    at = float(db.read_sync(lambda c: c.scalar("SELECT at FROM order_status_changes")))
    assert before - 1 <= at <= now() + 1


def test_the_history_starts_with_the_creation_then_each_change(db: Database, smm_order_id: int) -> None:
    db.write_sync(smm_lifecycle.apply_transition, order_id=smm_order_id, expected="pending", target="cancelled")

    def history(conn: Conn) -> list[StatusChange]:
        row = conn.one("SELECT status, created_at FROM smm_orders WHERE id = ?", (smm_order_id,))
        assert row is not None
        return status_history(
            conn, line="smm", order_id=smm_order_id, status=row["status"], created_at=float(row["created_at"])
        )

    created, cancelled = db.read_sync(history)
    assert (created.from_status, created.to_status) == (None, "pending")
    assert (cancelled.from_status, cancelled.to_status) == ("pending", "cancelled")
    assert created.at <= cancelled.at
