"""Every background claim takes at most its batch, whatever plan PostgreSQL picks.

The accounts stock claim once took far more rows than asked when PostgreSQL re-ran its locking subquery
per outer row (tests/accounts/test_claim_plans.py). The worker claims are plain top-level
``SELECT … LIMIT n FOR UPDATE SKIP LOCKED`` followed by updates by id, a shape whose locking runs once;
this keeps them so: each is run under the same hostile planner settings against more due rows than its
batch, and must touch exactly its batch.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database, open_database
from flashpanel.otp import orders as otp_orders
from flashpanel.smm import cancel, fulfilment, refill
from tests.accounts.test_claim_plans import PLANS, with_planner
from tests.conftest import POSTGRES_URL

DUE = 5
BATCH = 2
AT = 1_000_000.0


@pytest.fixture(params=list(PLANS))
def planned_db(request: pytest.FixtureRequest, database_url: str) -> Database:
    if request.param != "default" and not POSTGRES_URL:
        pytest.skip("planner settings are PostgreSQL's")
    handle = open_database(with_planner(database_url, PLANS[request.param]), pool_size=1)
    request.addfinalizer(handle.close)
    return handle


def _arrange(conn: Conn, *, customer_id: int) -> None:
    """Five due rows for every claim, each set out of the others' way."""
    conn.execute(
        "INSERT INTO smm_services (id, name, category, rate_cents, min_quantity, max_quantity, created_at) "
        "VALUES (1, 'Followers', 'Social', 100, 1, 1000, 0)"
    )
    smm_order = (
        "INSERT INTO smm_orders (customer_id, service_id, link, quantity, charge_cents, status, remains, "
        "upstream_order_id, next_check_at, submitting_at, cancel_requested_at, created_at, updated_at) "
        "VALUES (?, 1, 'https://example.com/p', 10, 100, ?, 10, ?, ?, ?, ?, 0, 0) RETURNING id"
    )
    far = AT + 10_000
    for n in range(DUE):
        conn.execute(smm_order, (customer_id, "pending", None, 0, None, None))  # due for submission
        conn.execute(smm_order, (customer_id, "pending", None, far, 1.0, None))  # a stale submission claim
        conn.execute(smm_order, (customer_id, "processing", f"sync-{n}", 0, None, None))  # due for status sync
        conn.execute(smm_order, (customer_id, "processing", f"cancel-{n}", far, None, 1.0))  # a cancel request
        completed = conn.scalar(
            smm_order,
            (customer_id, "completed", f"refill-{n}", None, None, None),
        )
        conn.execute(
            "INSERT INTO smm_refills (order_id, customer_id, status, next_check_at, created_at, updated_at) "
            "VALUES (?, ?, 'pending', 0, 0, 0)",
            (completed, customer_id),
        )
    conn.execute("INSERT INTO otp_countries (id, name, code) VALUES (1, 'Testland', 'TL')")
    conn.execute("INSERT INTO otp_services (id, country_id, name, code, price_cents) VALUES (1, 1, 'Chat', 'ch', 50)")
    otp_order = (
        "INSERT INTO otp_orders (request_id, customer_id, otp_service_id, country_id, charge_cents, status, "
        "upstream_activation_id, expires_at, next_check_at, created_at, updated_at) "
        "VALUES (?, ?, 1, 1, 50, ?, ?, ?, 0, 0, 0)"
    )
    for n in range(DUE):
        conn.execute(otp_order, (f"poll-{n}", customer_id, "waiting", f"a-{n}", far))  # due for an SMS poll
        conn.execute(otp_order, (f"lost-{n}", customer_id, "pending", None, None))  # an interrupted purchase


def _count(db: Database, sql: str) -> int:
    return int(db.read_sync(lambda c: c.scalar(sql)))


def test_every_worker_claim_takes_exactly_its_batch_whatever_the_plan(
    planned_db: Database, db: Database, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="0")
    customer_id = int(
        db.read_sync(lambda c: c.scalar("SELECT id FROM customers WHERE api_key_digest = ?", (key_digest(key),)))
    )
    db.write_sync(_arrange, customer_id=customer_id)

    claims = planned_db.write_sync(fulfilment.claim_for_submission, at=AT, limit=BATCH)
    assert len(claims) == BATCH
    assert _count(db, "SELECT COUNT(*) FROM smm_orders WHERE submitting_at = 1000000.0") == BATCH

    resolved = planned_db.write_sync(fulfilment.resolve_stale_submissions, at=AT, limit=BATCH)
    assert len(resolved) == BATCH
    assert _count(db, "SELECT COUNT(*) FROM smm_orders WHERE status = 'cancelled'") == BATCH

    leased = planned_db.write_sync(fulfilment.lease_for_sync, at=AT, limit=BATCH)
    assert len(leased) == BATCH
    leased_until = AT + fulfilment.SYNC_LEASE_SECONDS
    assert _count(db, f"SELECT COUNT(*) FROM smm_orders WHERE next_check_at = {leased_until}") == BATCH

    requests = planned_db.write_sync(cancel.lease_requests, at=AT, limit=BATCH)
    assert len(requests) == BATCH
    assert _count(db, "SELECT COUNT(*) FROM smm_orders WHERE cancel_forwarded_at IS NOT NULL") == BATCH

    jobs = planned_db.write_sync(refill.lease_due, status="pending", at=AT, limit=BATCH)
    assert len(jobs) == BATCH
    assert _count(db, "SELECT COUNT(*) FROM smm_refills WHERE attempts = 1") == BATCH

    polls = planned_db.write_sync(otp_orders.claim_due_polls, at=AT, limit=BATCH)
    assert len(polls) == BATCH
    assert _count(db, "SELECT COUNT(*) FROM otp_orders WHERE checks = 1") == BATCH

    assert planned_db.write_sync(otp_orders.resolve_interrupted, at=AT, limit=BATCH) == BATCH
    assert _count(db, "SELECT COUNT(*) FROM otp_orders WHERE status = 'failed'") == BATCH
