"""SMS arrival, cancel and expiry racing on separate connections: one winner, refund iff it refunds, once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
import pytest

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database, open_database
from flashpanel.errors import IllegalTransition
from flashpanel.otp import orders
from flashpanel.otp.lifecycle import Applied, apply_transition
from flashpanel.providers.base import Activation
from flashpanel.providers.sale import simulator_id
from flashpanel.providers.simulator_otp import SimulatedNumberProvider
from flashpanel.wallet import ledger
from tests.otp.conftest import Catalog, balance, buy, ledger_rows, order_row


def _waiting_order(db: Database, key: str, cat: Catalog, n: int) -> int:
    opened = db.write_sync(
        orders.open_order, key_digest=key_digest(key), country_id=cat.us, service_id=cat.chat, simulators=True
    )
    at = time.time()
    activation = Activation(f"race-{n}", f"+155501{n:02d}")
    db.write_sync(
        orders.activate, order_id=opened.order_id, provider_id=db.write_sync(simulator_id), activation=activation,
        expires_at=at + 60, first_check=at + 3,
    )  # fmt: skip
    return opened.order_id


async def test_sms_cancel_and_expiry_racing_have_exactly_one_winner_and_refund_at_most_once(
    make_customer: Callable[..., str], cat: Catalog, db: Database, database_url: str
) -> None:
    key = make_customer(balance="10000")
    order_ids = [_waiting_order(db, key, cat, n) for n in range(12)]
    contenders: list[tuple[Callable[..., Applied | None], dict[str, str], str]] = [
        (orders.complete, {"sms_code": "123456"}, "completed"),
        (orders.cancel, {}, "cancelled"),
        (orders.expire, {}, "expired"),
    ]
    handles = [open_database(database_url, pool_size=2) for _ in contenders]

    def race(order_id: int) -> list[str]:
        barrier = Barrier(len(contenders))

        def attempt(i: int) -> str | None:
            unit, fields, status = contenders[i]
            barrier.wait()
            done = handles[i].write_sync(unit, order_id=order_id, **fields)
            return status if done is not None else None

        with ThreadPoolExecutor(max_workers=len(contenders)) as pool:
            return [s for s in pool.map(attempt, range(len(contenders))) if s is not None]

    try:
        winners = await asyncio.to_thread(lambda: [race(order_id) for order_id in order_ids])
    finally:
        for handle in handles:
            handle.close()
    refunded = 0
    for order_id, won in zip(order_ids, winners, strict=True):
        assert len(won) == 1, won
        assert order_row(db, order_id)["status"] == won[0]
        rows = ledger_rows(db, order_id)
        if won[0] == "completed":
            assert rows == [("charge", -35000)]
        else:
            assert rows == [("charge", -35000), ("refund", 35000)]
            refunded += 1
    customer_id = int(order_row(db, order_ids[0])["customer_id"])
    assert balance(db, key) == 1000000 - 35000 * (len(order_ids) - refunded)
    assert db.read_sync(ledger.ledger_sum_cents, customer_id=customer_id) == balance(db, key)


async def test_two_concurrent_cancels_over_http_refund_once(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    db: Database,
) -> None:
    key = make_customer(balance="1000")
    request_id = (await buy(client, key, cat.us, cat.chat)).json()["data"]["request_id"]
    responses = await asyncio.gather(
        *(client.post("/api/v1/otp/cancel", params={"key": key}, json={"request_id": request_id}) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [200, 422, 422]
    assert balance(db, key) == 100000


def test_the_transition_table_refuses_anything_else(db: Database) -> None:
    with pytest.raises(IllegalTransition):
        db.write_sync(lambda c: apply_transition(c, order_id=1, expected="completed", target="cancelled"))
    with pytest.raises(TypeError):  # a column outside lifecycle.Changes (money, ownership) is never set
        db.write_sync(
            lambda c: apply_transition(c, order_id=1, expected="waiting", target="completed", charge_cents=0)  # type: ignore[call-arg]
        )
