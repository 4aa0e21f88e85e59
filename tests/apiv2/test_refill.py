"""refill / refill_status: completed orders of refill services, forwarded upstream and polled."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from litestar import Litestar

from flashpanel.db.runner import Database
from flashpanel.providers.base import ProviderError
from flashpanel.smm.forwarding import forward_refills, sync_refills
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.worker import STATUS_SYNC, SUBMISSION
from tests.apiv2.conftest import ScriptedProvider, state
from tests.apiv2.helpers import balance_cents, call, make_due

LINK = "https://example.com/post"


async def _completed_order(
    v2: httpx.AsyncClient, v2_app: Litestar, db: Database, key: str, service: int, upstream: ScriptedProvider | None
) -> int:
    order = int((await call(v2, key, "add", service=service, link=LINK, quantity=1000))["order"])
    await SUBMISSION.run_once(state(v2_app))
    if upstream is not None:
        upstream.finish(f"up-{len(upstream.submitted)}", "completed")
    make_due(db)
    await STATUS_SYNC.run_once(state(v2_app))
    assert (await call(v2, key, "status", order=order))["status"] == "Completed"
    return order


async def test_a_refill_of_a_completed_order_is_forwarded_and_its_status_followed(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
    db: Database,
) -> None:
    provider_id, upstream = scripted()
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, refill=True, provider_id=provider_id, upstream_service="7")
    order = await _completed_order(v2, v2_app, db, key, service, upstream)
    balance = balance_cents(db, key)

    reply = await call(v2, key, "refill", order=order)
    assert set(reply) == {"refill"} and isinstance(reply["refill"], str)
    refill = int(reply["refill"])
    assert await call(v2, key, "refill", order=order) == reply  # one open refill per order
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "Pending"}

    assert await forward_refills(state(v2_app)) == 1
    assert upstream.refill_requests == ["up-1"]
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "In progress"}

    make_due(db)
    await sync_refills(state(v2_app))
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "In progress"}
    upstream.refills["rf-1"] = "Completed"
    make_due(db)
    await sync_refills(state(v2_app))
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "Completed"}
    assert balance_cents(db, key) == balance  # a refill is free
    # once it is done, another refill may be asked for
    assert int((await call(v2, key, "refill", order=order))["refill"]) != refill


async def test_a_refill_the_upstream_rejects_is_rejected(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
    db: Database,
) -> None:
    provider_id, upstream = scripted()
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, refill=True, provider_id=provider_id, upstream_service="7")
    order = await _completed_order(v2, v2_app, db, key, service, upstream)
    refill = (await call(v2, key, "refill", order=order))["refill"]
    await forward_refills(state(v2_app))
    upstream.refills["rf-1"] = "Rejected"
    make_due(db)
    await sync_refills(state(v2_app))
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "Rejected"}


async def test_the_simulator_completes_a_refill_at_once(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, refill=True)  # no provider: the built-in simulator
    order = await _completed_order(v2, v2_app, db, key, service, None)
    refill = (await call(v2, key, "refill", order=order))["refill"]
    await forward_refills(state(v2_app))
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "Completed"}


async def test_multi_refill_answers_each_order_and_refuses_what_cannot_be_refilled(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    mine, theirs = make_customer(balance="100"), make_customer(balance="100")
    refillable = add_service(rate_cents=1000, refill=True)
    plain = add_service(rate_cents=1000)
    done = (await call(v2, mine, "add", service=refillable, link=LINK, quantity=100))["order"]
    running = (await call(v2, mine, "add", service=refillable, link=LINK, quantity=100))["order"]
    no_refill = (await call(v2, mine, "add", service=plain, link=LINK, quantity=100))["order"]
    foreign = (await call(v2, theirs, "add", service=refillable, link=LINK, quantity=100))["order"]
    for order in (done, no_refill, foreign):
        db.write_sync(apply_transition, order_id=order, expected="pending", target="completed")

    reply = await call(v2, mine, "refill", orders=f"{done},{running},{no_refill},{foreign},424242")
    assert reply[0]["order"] == done and isinstance(reply[0]["refill"], int)
    assert reply[1:] == [
        {"order": running, "refill": {"error": "Only a completed order can be refilled"}},
        {"order": no_refill, "refill": {"error": "Refill is not available for this service"}},
        {"order": foreign, "refill": {"error": "Incorrect order ID"}},
        {"order": 424242, "refill": {"error": "Incorrect order ID"}},
    ]
    assert await call(v2, mine, "refill", order=running) == {"error": "Only a completed order can be refilled"}
    assert await call(v2, mine, "refill", order="abc") == {"error": "Incorrect order ID"}

    their_refill = (await call(v2, theirs, "refill", order=foreign))["refill"]
    mine_refill = reply[0]["refill"]
    statuses = await call(v2, mine, "refill_status", refills=f"{mine_refill},{their_refill},99999")
    assert statuses == [
        {"refill": mine_refill, "status": "Pending"},
        {"refill": int(their_refill), "status": {"error": "Refill not found"}},
        {"refill": 99999, "status": {"error": "Refill not found"}},
    ]
    assert await call(v2, mine, "refill_status", refill=their_refill) == {"error": "Refill not found"}


async def test_refill_forwarding_retries_a_transient_failure_and_rejects_a_refusal(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
    db: Database,
) -> None:
    provider_id, upstream = scripted()
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, refill=True, provider_id=provider_id, upstream_service="7")
    order = await _completed_order(v2, v2_app, db, key, service, upstream)
    upstream.refill_errors = [
        ProviderError("cannot reach the upstream", retryable=True),
        ProviderError("Refill is disabled for this order", retryable=False),
    ]
    refill = (await call(v2, key, "refill", order=order))["refill"]
    await forward_refills(state(v2_app))
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "Pending"}
    assert await forward_refills(state(v2_app)) == 0  # backing off
    make_due(db)
    await forward_refills(state(v2_app))
    assert await call(v2, key, "refill_status", refill=refill) == {"status": "Rejected"}
    assert len(upstream.refill_requests) == 2
