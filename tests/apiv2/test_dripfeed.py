"""add with runs + interval: a drip-feed order, charged for runs * quantity."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from litestar import Litestar

from flashpanel.db.runner import Database
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.worker import SUBMISSION
from tests.apiv2.conftest import ScriptedProvider, state
from tests.apiv2.helpers import balance_cents, call, order_row

LINK = "https://example.com/post"


async def test_a_drip_feed_order_is_charged_for_every_run(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1234, low=100, high=10000, dripfeed=True)  # 12.34 per 1000
    placed = await call(v2, key, "add", service=service, link=LINK, quantity=500, runs=3, interval=15)
    order = order_row(db, placed["order"])
    assert (order["runs"], order["interval_minutes"], order["quantity"], order["remains"]) == (3, 15, 1500, 1500)
    assert order["charge_cents"] == 1851  # 12.34 * 1500 / 1000 = 18.51, rounded once
    assert balance_cents(db, key) == 10000 - 1851
    status = await call(v2, key, "status", order=placed["order"])
    assert (status["charge"], status["remains"]) == ("18.51", "1500")


async def test_drip_feed_parameters_are_checked(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="100")
    dripfeed = add_service(rate_cents=1000, dripfeed=True)
    plain = add_service(rate_cents=1000, dripfeed=False)
    base = {"link": LINK, "quantity": 100}
    cases = [
        ({**base, "service": plain, "runs": 2, "interval": 5}, "Drip-feed is not available for this service"),
        ({**base, "service": dripfeed, "runs": 2}, "Missing required parameter: interval"),
        ({**base, "service": dripfeed, "runs": "two", "interval": 5}, "Invalid parameter 'runs': must be an integer"),
        ({**base, "service": dripfeed, "runs": 0, "interval": 5}, "Runs must be between 1 and 1000"),
        ({**base, "service": dripfeed, "runs": 2, "interval": -1}, "Interval must be between 0 and 1440 minutes"),
        ({**base, "service": 999999, "runs": 2, "interval": 5}, "Unknown or disabled service: 999999"),
    ]
    for params, message in cases:
        assert await call(v2, key, "add", **params) == {"error": message}
    assert balance_cents(db, key) == 10000


async def test_an_empty_runs_parameter_places_an_ordinary_order(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000)
    placed = await call(v2, key, "add", service=service, link=LINK, quantity=100, runs="", interval="")
    assert order_row(db, placed["order"])["runs"] is None
    assert balance_cents(db, key) == 10000 - 100


async def test_drip_feed_checks_min_max_per_run_and_forwards_runs_and_interval(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
    db: Database,
) -> None:
    provider_id, upstream = scripted()
    key = make_customer(balance="100")
    service = add_service(
        rate_cents=1000, low=100, high=1000, dripfeed=True, provider_id=provider_id, upstream_service="7"
    )
    placed = await call(v2, key, "add", service=service, link=LINK, quantity=1000, runs=4, interval=30)
    assert order_row(db, placed["order"])["quantity"] == 4000
    assert balance_cents(db, key) == 10000 - 4000
    assert await call(v2, key, "add", service=service, link=LINK, quantity=1001, runs=2, interval=30) == {
        "error": "Quantity must be between 100 and 1000"
    }
    await SUBMISSION.run_once(state(v2_app))
    assert upstream.submitted == [{"service": "7", "link": LINK, "quantity": 1000, "runs": 4}]


async def test_delivered_runs_follow_the_delivered_units(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, dripfeed=True)
    order = (await call(v2, key, "add", service=service, link=LINK, quantity=100, runs=4, interval=5))["order"]
    db.write_sync(apply_transition, order_id=order, expected="pending", target="in_progress", remains=150)
    assert order_row(db, order)["delivered_runs"] == 2
    db.write_sync(apply_transition, order_id=order, expected="in_progress", target="completed")
    assert order_row(db, order)["delivered_runs"] == 4
