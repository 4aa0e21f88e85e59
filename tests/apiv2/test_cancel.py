"""cancel: at once for an order not yet submitted, through the upstream and status sync otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from litestar import Litestar

from flashpanel.db.runner import Database, now
from flashpanel.smm import fulfilment
from flashpanel.smm.forwarding import forward_cancels
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.worker import STATUS_SYNC, SUBMISSION
from tests.apiv2.conftest import ScriptedProvider, state
from tests.apiv2.helpers import balance_cents, call, make_due, order_row, refunds

LINK = "https://example.com/post"


async def test_multi_cancel_answers_own_foreign_unknown_and_finished_orders(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    mine, theirs = make_customer(balance="100"), make_customer(balance="100")
    service = add_service(rate_cents=1000)
    pending = (await call(v2, mine, "add", service=service, link=LINK, quantity=1000))["order"]
    done = (await call(v2, mine, "add", service=service, link=LINK, quantity=1000))["order"]
    foreign = (await call(v2, theirs, "add", service=service, link=LINK, quantity=1000))["order"]
    db.write_sync(apply_transition, order_id=done, expected="pending", target="completed")
    assert balance_cents(db, mine) == 10000 - 2000

    reply = await call(v2, mine, "cancel", orders=f"{foreign},{pending},999999,{done},x")
    assert reply == [
        {"order": foreign, "cancel": {"error": "Incorrect order ID"}},
        {"order": pending, "cancel": 1},
        {"order": 999999, "cancel": {"error": "Incorrect order ID"}},
        {"order": done, "cancel": {"error": "This order cannot be canceled"}},
        {"order": "x", "cancel": {"error": "Incorrect order ID"}},
    ]
    # the pending order was canceled and refunded in full at once; nobody else's money moved
    assert (await call(v2, mine, "status", order=pending))["status"] == "Canceled"
    assert balance_cents(db, mine) == 10000 - 1000
    assert balance_cents(db, theirs) == 10000 - 1000
    assert order_row(db, foreign)["status"] == "pending"


async def test_canceling_twice_before_submission_refunds_exactly_once(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int], db: Database
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000)
    order = (await call(v2, key, "add", service=service, link=LINK, quantity=1000))["order"]
    assert await call(v2, key, "cancel", orders=str(order)) == [{"order": order, "cancel": 1}]
    again = await call(v2, key, "cancel", orders=f"{order},{order}")
    assert again == [{"order": order, "cancel": {"error": "This order cannot be canceled"}}]
    assert refunds(db, order) == [1000]
    assert balance_cents(db, key) == 10000


async def test_a_canceled_order_is_never_submitted(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
) -> None:
    provider_id, upstream = scripted()
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, provider_id=provider_id, upstream_service="7")
    order = (await call(v2, key, "add", service=service, link=LINK, quantity=1000))["order"]
    await call(v2, key, "cancel", orders=str(order))
    await SUBMISSION.run_once(state(v2_app))
    assert upstream.submitted == []


async def test_cancel_after_submission_goes_upstream_and_the_refund_arrives_once_through_status_sync(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
    db: Database,
) -> None:
    provider_id, upstream = scripted()
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, cancel=True, provider_id=provider_id, upstream_service="7")
    order = (await call(v2, key, "add", service=service, link=LINK, quantity=1000))["order"]
    app_state = state(v2_app)
    assert await SUBMISSION.run_once(app_state) == 1
    assert order_row(db, order)["upstream_order_id"] == "up-1"

    assert await call(v2, key, "cancel", orders=str(order)) == [{"order": order, "cancel": 1}]
    # nothing moves yet: the upstream has the order and decides
    assert (await call(v2, key, "status", order=order))["status"] == "Processing"
    assert balance_cents(db, key) == 9000
    assert await call(v2, key, "cancel", orders=str(order)) == [{"order": order, "cancel": 1}]  # asking again is fine

    assert await forward_cancels(app_state) == 1
    assert await forward_cancels(app_state) == 0  # forwarded once
    assert upstream.cancel_requests == ["up-1"]

    upstream.finish("up-1", "cancelled", remains=1000)
    make_due(db)
    await STATUS_SYNC.run_once(app_state)
    assert (await call(v2, key, "status", order=order))["status"] == "Canceled"
    make_due(db)
    await STATUS_SYNC.run_once(app_state)
    assert refunds(db, order) == [1000]
    assert balance_cents(db, key) == 10000


async def test_an_upstream_that_refuses_the_cancel_leaves_the_order_running(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
    db: Database,
) -> None:
    provider_id, upstream = scripted()

    upstream.refuse_cancels = True
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, cancel=True, provider_id=provider_id, upstream_service="7")
    order = (await call(v2, key, "add", service=service, link=LINK, quantity=1000))["order"]
    await SUBMISSION.run_once(state(v2_app))
    await call(v2, key, "cancel", orders=str(order))
    await forward_cancels(state(v2_app))
    row = order_row(db, order)
    assert row["status"] == "processing"
    assert "Order is not cancelable" in row["last_error"]
    assert refunds(db, order) == []


async def test_a_submitted_order_of_a_service_without_cancel_cannot_be_canceled(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    scripted: Callable[[], tuple[int, ScriptedProvider]],
) -> None:
    provider_id, _upstream = scripted()
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000, cancel=False, provider_id=provider_id, upstream_service="7")
    order = (await call(v2, key, "add", service=service, link=LINK, quantity=1000))["order"]
    await SUBMISSION.run_once(state(v2_app))
    reply = await call(v2, key, "cancel", orders=str(order))
    assert reply == [{"order": order, "cancel": {"error": "Cancel is not available for this service"}}]


async def test_cancel_needs_order_ids(v2: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer()
    assert await call(v2, key, "cancel") == {"error": "Missing required parameter: orders"}


async def test_a_lone_order_parameter_is_accepted_and_answered_as_a_list(
    v2: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="100")
    service = add_service(rate_cents=1000)
    order = (await call(v2, key, "add", service=service, link=LINK, quantity=1000))["order"]
    assert await call(v2, key, "cancel", order=order) == [{"order": order, "cancel": 1}]


async def test_a_cancel_racing_the_submission_claim_either_cancels_or_loses_never_both(
    v2: httpx.AsyncClient,
    v2_app: Litestar,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    service = add_service(rate_cents=1000, cancel=False)
    orders = [(await call(v2, key, "add", service=service, link=LINK, quantity=100))["order"] for _ in range(20)]
    app_state = state(v2_app)
    # Small claims interleaved with the cancels, so both sides win some of the orders.
    claim_batches = [app_state.db.write(fulfilment.claim_for_submission, at=now(), limit=2) for _ in range(5)]
    cancels = [call(v2, key, "cancel", orders=str(order)) for order in orders]
    outcomes = await asyncio.gather(*claim_batches[:3], *cancels[:10], *claim_batches[3:], *cancels[10:])
    claims = [claim for batch in outcomes[:3] + outcomes[13:15] for claim in batch]
    replies = outcomes[3:13] + outcomes[15:]
    claimed = {claim.order_id for claim in claims}
    assert claimed and len(claimed) < len(orders)
    for order, reply in zip(orders, replies, strict=True):
        row = order_row(db, order)
        if order in claimed:
            assert reply == [{"order": order, "cancel": {"error": "Cancel is not available for this service"}}]
            assert (row["status"], refunds(db, order)) == ("pending", [])
        else:
            assert reply == [{"order": order, "cancel": 1}]
            assert (row["status"], refunds(db, order)) == ("cancelled", [100])
