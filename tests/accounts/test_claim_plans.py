"""The stock claim takes exactly ``quantity`` items whatever plan the database picks for it.

PostgreSQL may run ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` as a nested-loop
semi-join that re-runs the locking subquery once per outer row, each run locking n *more* rows: the claim
then takes far more than n and the purchase is refused as "Insufficient stock". These tests force such
plans with the planner's ``enable_*`` settings (``options`` on the connection), so a claim whose locking
can run more than once fails here, not in production.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest

from flashpanel.accounts import service
from flashpanel.crypto import SecretBox
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database, open_database
from tests.accounts.conftest import Stocked
from tests.conftest import POSTGRES_URL

# Planner settings that leave PostgreSQL nested loops (and nothing to cache the inner side in): the
# plan that re-ran the locking subquery per outer row. The first entry is the planner's own choice.
PLANS = {
    "default": "",
    "nested-loops": "-c enable_hashjoin=off -c enable_mergejoin=off -c enable_material=off "
    "-c enable_hashagg=off -c enable_sort=off",
    "no-seqscan": "-c enable_hashjoin=off -c enable_material=off -c enable_seqscan=off",
}


def with_planner(url: str, settings: str) -> str:
    """The database URL with libpq ``options`` setting these planner switches on every connection."""
    return f"{url}?options={quote(settings)}" if settings else url


@pytest.fixture(params=list(PLANS))
def planned_db(request: pytest.FixtureRequest, database_url: str) -> Database:
    if request.param != "default" and not POSTGRES_URL:
        pytest.skip("planner settings are PostgreSQL's")
    handle = open_database(with_planner(database_url, PLANS[request.param]), pool_size=1)
    request.addfinalizer(handle.close)
    return handle


def _unsold(db: Database, product_id: int) -> int:
    return int(
        db.read_sync(
            lambda c: c.scalar(
                "SELECT COUNT(*) FROM stock_items WHERE product_id = ? AND order_id IS NULL", (product_id,)
            )
        )
    )


def test_purchases_sell_exactly_what_was_bought_whatever_the_plan(
    planned_db: Database,
    db: Database,
    secrets: SecretBox,
    stocked: Callable[..., Stocked],
    make_customer: Callable[..., str],
) -> None:
    shop = stocked(items=25, price="3")
    key = make_customer(balance="100")
    bought = [
        planned_db.write_sync(
            service.purchase, key_digest=key_digest(key), product_id=shop.product_id, quantity=n, secrets=secrets
        )
        for n in (1, 2, 3)
    ]
    assert [line for purchase in bought for line in purchase.items] == shop.lines[:6]
    assert bought[-1].balance_cents == 10000 - 6 * 300
    assert _unsold(db, shop.product_id) == 19
