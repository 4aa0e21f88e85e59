"""A process killed (kill -9) while handling a webhook, after the gateway said "paid" and before our
commit, leaves the top-up pending and uncredited; the reconciler credits it, once."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.customers.service import create_customer
from flashpanel.db.runner import Database
from flashpanel.payments.gateways.base import Gateway
from flashpanel.payments.reconciler import reconcile
from flashpanel.payments.topups import get_topup
from flashpanel.wallet.ledger import balance_cents
from tests.e2e.support import free_port, spawn, wait_until
from tests.payments.conftest import SECRET, Fakes, begin_topup, topup_entries


async def wait_for(condition: str, check: object, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        await asyncio.sleep(0.05)


async def test_a_kill_between_the_gateways_success_and_the_commit_is_recovered_by_the_reconciler(
    db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes, tmp_path: Path
) -> None:
    db.write_sync(create_customer, name="hana", email="hana@example.com")
    hana = int(db.read_sync(lambda conn: conn.scalar("SELECT id FROM customers WHERE name = 'hana'")))
    topup = await begin_topup(db, settings, gateways, customer_id=hana, gateway="paystack", amount="4200")
    paystack = fakes.paystack
    paystack.pay(topup.reference)  # paid at the gateway
    paystack.configure(verify_delay=120)  # the panel's verify call will be in flight when it dies

    port = free_port()
    log = tmp_path / "serve.log"
    extra = {"FLASHPANEL_PAYSTACK_SECRET_KEY": SECRET, "FLASHPANEL_PAYSTACK_BASE_URL": paystack.base_url}
    process = spawn(settings, tmp_path, log, "serve", "--port", str(port), "--no-worker", extra_env=extra)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(process, log, lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, what="no panel")
        body, headers = paystack.webhook(paystack.transactions[topup.reference], bad_signature=False)
        webhook = asyncio.create_task(
            asyncio.to_thread(
                httpx.post, f"{base}/payments/paystack/webhook", content=body, headers=headers, timeout=60
            )
        )
        await wait_for("the panel to ask the gateway", lambda: paystack.verifying == 1)
        process.kill()  # SIGKILL: no clean-up, no commit
        process.wait(timeout=30)
        with pytest.raises(httpx.TransportError):
            await webhook
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)

    assert db.read_sync(get_topup, reference=topup.reference).status == "pending"
    assert db.read_sync(topup_entries, topup_id=topup.id) == []

    paystack.configure(verify_delay=0)
    assert await reconcile(db, settings, gateways) == 1
    assert await reconcile(db, settings, gateways) == 0
    assert db.read_sync(topup_entries, topup_id=topup.id) == [420_000]
    assert db.read_sync(balance_cents, customer_id=hana) == 420_000
    assert Decimal(db.read_sync(get_topup, reference=topup.reference).amount) == Decimal("4200.00")
