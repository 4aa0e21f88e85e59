"""The OTP loops as the worker runs them: one pass settles every kind of due order."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database
from flashpanel.otp import orders
from flashpanel.otp.worker import LOOPS
from flashpanel.providers.base import SmsState
from flashpanel.providers.simulator_otp import SimulatedNumberProvider
from flashpanel.state import AppState
from flashpanel.worker.runner import Worker
from tests.otp.conftest import Catalog, Clock, FakeNumbers, balance, buy, order_row


def test_the_domain_exports_its_five_loops() -> None:
    names = [loop.name for loop in LOOPS]
    assert names == ["otp-poll", "otp-expire", "otp-interrupted", "otp-attention", "otp-quotes"]


async def test_one_worker_pass_delivers_codes_expires_overdue_orders_and_resolves_interrupted_ones(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    sim: SimulatedNumberProvider,
    clock: Clock,
    state: AppState,
    db: Database,
) -> None:
    key = make_customer(balance="2000")
    delivered = (await buy(client, key, cat.us, cat.chat)).json()["data"]["order_id"]
    clock.advance(20)  # the simulator now has the code of `delivered`, and none for the next purchase
    overdue = (await buy(client, key, cat.us, cat.chat)).json()["data"]["order_id"]
    interrupted = db.write_sync(
        orders.open_order, key_digest=key_digest(key), country_id=cat.us, service_id=cat.chat, simulators=True
    ).order_id
    past = time.time() - 1
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET next_check_at = ?", (past,)))
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET expires_at = ? WHERE id = ?", (past, overdue)))
    assert await Worker(state, LOOPS).run_once() == 3
    assert [order_row(db, i)["status"] for i in (delivered, overdue, interrupted)] == ["completed", "expired", "failed"]
    assert balance(db, key) == 200000 - 35000
    assert await Worker(state, LOOPS).run_once() == 0


async def test_a_poll_answered_cancelled_leaves_the_order_waiting_for_its_deadline(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    cat: Catalog,
    map_fakes: Callable[..., list[FakeNumbers]],
    state: AppState,
    db: Database,
) -> None:
    (upstream,) = map_fakes(FakeNumbers(prefix="fake"))
    key = make_customer(balance="2000")
    order_id = (await buy(client, key, cat.us, cat.chat)).json()["data"]["order_id"]
    upstream.sms[upstream.bought[0]] = SmsState("cancelled")
    db.write_sync(lambda c: c.execute("UPDATE otp_orders SET next_check_at = ?", (time.time() - 1,)))
    assert await Worker(state, [LOOPS[0]]).run_once() == 0
    assert order_row(db, order_id)["status"] == "waiting"
