"""The one credit path: however many times, in whatever order, a payment is announced (webhooks, the
return page, the reconciler, the operator's re-check), it is credited exactly once, and only when the
gateway's own verify API says it was paid in full."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar

from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database
from flashpanel.payments.credit import confirm_topup
from flashpanel.payments.gateways.base import Gateway
from flashpanel.payments.reconciler import reconcile, reconcile_once
from flashpanel.payments.topups import get_topup
from flashpanel.wallet.invariants import check_books
from flashpanel.wallet.ledger import balance_cents
from flashpanel.worker.runner import ALL_LOOPS
from tests.helpers import state_of
from tests.payments.conftest import Fakes, announce, begin_topup, topup_entries
from tests.web.support import sign_up


def customer_id(conn: Conn, *, name: str) -> int:
    return int(conn.scalar("SELECT id FROM customers WHERE name = ?", (name,)))


async def test_one_payment_announced_everywhere_at_once_is_credited_exactly_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    gateway: str,
) -> None:  # fmt: skip
    await sign_up(client, "ada")
    ada = db.read_sync(customer_id, name="ada")
    topup = await begin_topup(db, settings, gateways, customer_id=ada, gateway=gateway, amount="2500")
    fake = fakes.of(gateway)
    fake.pay(topup.reference)
    return_path = (
        f"/wallet/return/paystack?reference={topup.reference}"
        if gateway == "paystack"
        else f"/wallet/return/flutterwave?status=successful&tx_ref={topup.reference}"
    )

    webhooks, returned, reconciled, rechecked = await asyncio.gather(
        announce(client, fake, topup.reference, times=20),
        client.get(return_path),
        reconcile(db, settings, gateways),
        confirm_topup(db, gateways, reference=topup.reference),
    )

    assert webhooks == [200] * 20
    assert returned.status_code == 200 and "Payment received" in returned.text
    assert rechecked.status == "credited" and reconciled in (0, 1)
    assert db.read_sync(topup_entries, topup_id=topup.id) == [250_000]
    assert db.read_sync(balance_cents, customer_id=ada) == 250_000
    assert db.read_sync(get_topup, reference=topup.reference).status == "credited"
    books = db.read_sync(check_books)
    assert books.ok, books.violations
    # announced again later (a replayed webhook, a reload of the return page): still once
    assert await announce(client, fake, topup.reference, times=3) == [200, 200, 200]
    assert (await client.get(return_path)).status_code == 200
    assert db.read_sync(topup_entries, topup_id=topup.id) == [250_000]


async def test_a_bad_signature_is_refused_and_credits_nothing(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    gateway: str,
) -> None:  # fmt: skip
    await sign_up(client, "bea")
    topup = await begin_topup(
        db, settings, gateways, customer_id=db.read_sync(customer_id, name="bea"), gateway=gateway, amount="1000"
    )
    fakes.of(gateway).pay(topup.reference)
    assert await announce(client, fakes.of(gateway), topup.reference, bad_signature=True) == [401]
    unsigned = await client.post(f"/payments/{gateway}/webhook", content=b'{"event":"charge.success"}')
    assert unsigned.status_code == 401
    assert db.read_sync(get_topup, reference=topup.reference).status == "pending"
    assert db.read_sync(topup_entries, topup_id=topup.id) == []
    assert fakes.of(gateway).verify_calls == 0  # a bad signature never reaches the gateway


async def test_bad_signatures_past_the_limit_are_answered_429(
    client: httpx.AsyncClient, fakes: Fakes, gateway: str
) -> None:
    fake = fakes.of(gateway)
    fake.new_transaction(reference="FP-GUESS", amount_minor=100, currency="NGN", email="x@example.com", return_url="")
    statuses = [(await announce(client, fake, "FP-GUESS", bad_signature=True))[0] for _ in range(6)]
    assert statuses == [401] * 5 + [429]


async def test_a_valid_webhook_for_a_reference_that_is_not_ours_is_answered_200(
    client: httpx.AsyncClient, db: Database, fakes: Fakes, gateway: str
) -> None:
    fake = fakes.of(gateway)
    fake.new_transaction(
        reference="SHOP-123", amount_minor=500_000, currency="NGN", email="x@example.com", return_url=""
    )
    fake.pay("SHOP-123")
    assert await announce(client, fake, "SHOP-123") == [200]
    assert db.read_sync(lambda conn: conn.scalar("SELECT COUNT(*) FROM ledger_entries")) == 0


async def test_an_amount_or_currency_mismatch_is_flagged_and_not_credited(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    gateway: str,
) -> None:  # fmt: skip
    await sign_up(client, "cleo")
    cleo = db.read_sync(customer_id, name="cleo")
    fake = fakes.of(gateway)
    for knobs, said in (({"amount_delta": -100_000}, "amount 4000.00"), ({"currency": "USD"}, "currency 'USD'")):
        topup = await begin_topup(db, settings, gateways, customer_id=cleo, gateway=gateway, amount="5000")
        fake.configure(**knobs)
        fake.pay(topup.reference)
        fake.reset_knobs()
        assert await announce(client, fake, topup.reference) == [200]
        await reconcile(db, settings, gateways)
        flagged = db.read_sync(get_topup, reference=topup.reference)
        assert flagged.status == "mismatch"
        assert flagged.note is not None and said in flagged.note and "not credited" in flagged.note
        assert db.read_sync(topup_entries, topup_id=topup.id) == []
    assert db.read_sync(balance_cents, customer_id=cleo) == 0


async def test_failed_abandoned_and_reversed_payments_are_never_credited(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    gateway: str,
) -> None:  # fmt: skip
    await sign_up(client, "dora")
    dora = db.read_sync(customer_id, name="dora")
    fake = fakes.of(gateway)
    for outcome in ("failed", "abandoned", "reversed"):
        topup = await begin_topup(db, settings, gateways, customer_id=dora, gateway=gateway, amount="1500")
        fake.configure(outcome=outcome)
        fake.pay(topup.reference)
        assert await announce(client, fake, topup.reference, times=3) == [200] * 3  # forged from its data
        await reconcile(db, settings, gateways)
        await confirm_topup(db, gateways, reference=topup.reference)
        assert db.read_sync(get_topup, reference=topup.reference).status in ("failed", "pending")
        assert db.read_sync(topup_entries, topup_id=topup.id) == []
    assert db.read_sync(balance_cents, customer_id=dora) == 0


async def test_a_pending_payment_is_credited_once_it_succeeds(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    gateway: str,
) -> None:  # fmt: skip
    await sign_up(client, "eve")
    eve = db.read_sync(customer_id, name="eve")
    topup = await begin_topup(db, settings, gateways, customer_id=eve, gateway=gateway, amount="3000")
    fake = fakes.of(gateway)
    fake.configure(outcome="pending")
    fake.pay(topup.reference)
    assert await reconcile(db, settings, gateways) == 0
    assert db.read_sync(get_topup, reference=topup.reference).status == "pending"
    fake.settle(topup.reference, "success")
    assert await reconcile(db, settings, gateways) == 1
    assert db.read_sync(get_topup, reference=topup.reference).status == "credited"
    assert db.read_sync(balance_cents, customer_id=eve) == 300_000


async def test_an_unpaid_top_up_expires_and_is_still_credited_if_paid_later(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    gateway: str,
) -> None:  # fmt: skip
    await sign_up(client, "fay")
    fay = db.read_sync(customer_id, name="fay")
    topup = await begin_topup(db, settings, gateways, customer_id=fay, gateway=gateway, amount="800")
    expiring = settings.model_copy(update={"topup_expire_minutes": 0})
    assert await reconcile(db, expiring, gateways) == 1
    assert db.read_sync(get_topup, reference=topup.reference).status == "expired"
    assert await reconcile(db, expiring, gateways) == 0  # an expired top-up is not polled any more
    fakes.of(gateway).pay(topup.reference)
    assert await announce(client, fakes.of(gateway), topup.reference) == [200]
    assert db.read_sync(get_topup, reference=topup.reference).status == "credited"
    assert db.read_sync(balance_cents, customer_id=fay) == 80_000


async def test_a_gateway_that_cannot_be_reached_decides_nothing(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
) -> None:  # fmt: skip
    await sign_up(client, "gus")
    topup = await begin_topup(
        db, settings, gateways, customer_id=db.read_sync(customer_id, name="gus"), gateway="paystack", amount="700"
    )
    from flashpanel.payments.gateways.paystack import Paystack

    unreachable: dict[str, Gateway] = {"paystack": Paystack(secret_key="x", base_url="http://127.0.0.1:9")}
    result = await confirm_topup(db, unreachable, reference=topup.reference)
    assert result.status == "pending" and result.problem is not None and not result.credited_now
    assert db.read_sync(get_topup, reference=topup.reference).status == "pending"


async def test_one_gateway_transaction_reported_for_two_top_ups_is_credited_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    gateway: str,
) -> None:  # fmt: skip
    await sign_up(client, "ugo")
    ugo = db.read_sync(customer_id, name="ugo")
    first = await begin_topup(db, settings, gateways, customer_id=ugo, gateway=gateway, amount="1000")
    second = await begin_topup(db, settings, gateways, customer_id=ugo, gateway=gateway, amount="1000")
    fake = fakes.of(gateway)
    fake.pay(first.reference)
    fake.pay(second.reference)
    fake.transactions[second.reference].id = fake.transactions[first.reference].id  # the gateway's mistake
    assert (await confirm_topup(db, gateways, reference=first.reference)).status == "credited"
    assert (await confirm_topup(db, gateways, reference=second.reference)).status == "mismatch"
    flagged = db.read_sync(get_topup, reference=second.reference)
    assert flagged.note is not None and "already recorded on another top-up" in flagged.note
    assert db.read_sync(balance_cents, customer_id=ugo) == 100_000


async def test_the_worker_runs_the_reconciler_on_the_process_gateways(
    client: httpx.AsyncClient, app: Litestar, db: Database, settings: Settings, gateways: dict[str, Gateway],
    fakes: Fakes,
) -> None:  # fmt: skip
    assert "payments-reconcile" in [loop.name for loop in ALL_LOOPS]
    await sign_up(client, "vic")
    topup = await begin_topup(
        db, settings, gateways, customer_id=db.read_sync(customer_id, name="vic"), gateway="paystack", amount="450"
    )
    fakes.paystack.configure(webhook="never")
    fakes.paystack.pay(topup.reference)
    assert await reconcile_once(state_of(app)) == 1
    assert db.read_sync(get_topup, reference=topup.reference).status == "credited"
