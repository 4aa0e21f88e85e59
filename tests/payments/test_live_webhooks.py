"""The fake gateway's own webhook deliveries against a running ``flashpanel serve``: 20 at once, held
until after the reconciler credited the payment, and with a bad signature."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.customers.service import create_customer
from flashpanel.db.runner import Database
from flashpanel.payments.fakes import FakeFlutterwave, FakeGateway, FakePaystack
from flashpanel.payments.gateways import configured_gateways
from flashpanel.payments.reconciler import reconcile
from flashpanel.payments.topups import get_topup
from flashpanel.providers.fakes.server import running_fake
from flashpanel.wallet.ledger import balance_cents
from tests.e2e.support import free_port, spawn, wait_until
from tests.payments.conftest import HASH, SECRET, begin_topup, topup_entries


def wait_for_deliveries(fake: FakeGateway, count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while len(fake.deliveries) < count:
        assert time.monotonic() < deadline, f"only {len(fake.deliveries)} of {count} webhooks delivered"
        time.sleep(0.05)
    return list(fake.deliveries)


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, FakePaystack, FakeFlutterwave]]:
    """A serve process (no worker) whose gateways are fakes sending their webhooks to it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    paystack = FakePaystack(secret=SECRET, webhook_url=f"{base}/payments/paystack/webhook")
    flutterwave = FakeFlutterwave(secret=SECRET, secret_hash=HASH, webhook_url=f"{base}/payments/flutterwave/webhook")
    with running_fake(paystack) as paystack.base_url, running_fake(flutterwave) as flutterwave.base_url:
        configured = settings.model_copy(
            update={"paystack_base_url": paystack.base_url, "flutterwave_base_url": flutterwave.base_url}
        )
        extra = {
            "FLASHPANEL_PAYSTACK_SECRET_KEY": SECRET,
            "FLASHPANEL_PAYSTACK_BASE_URL": paystack.base_url,
            "FLASHPANEL_FLUTTERWAVE_SECRET_KEY": SECRET,
            "FLASHPANEL_FLUTTERWAVE_SECRET_HASH": HASH,
            "FLASHPANEL_FLUTTERWAVE_BASE_URL": flutterwave.base_url,
        }
        log = tmp_path / "serve.log"
        process = spawn(settings, tmp_path, log, "serve", "--port", str(port), "--no-worker", extra_env=extra)
        try:
            wait_until(
                process, log, lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, what="no panel"
            )
            yield configured, paystack, flutterwave
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


@pytest.mark.parametrize("gateway", ["paystack", "flutterwave"])
async def test_twenty_concurrent_webhooks_after_the_reconciler_credited_change_nothing(
    live: tuple[Settings, FakePaystack, FakeFlutterwave], db: Database, gateway: str
) -> None:
    settings, paystack, flutterwave = live
    fake: FakeGateway = paystack if gateway == "paystack" else flutterwave
    gateways = configured_gateways(settings)
    db.write_sync(create_customer, name="ivo", email="ivo@example.com")
    ivo = int(db.read_sync(lambda conn: conn.scalar("SELECT id FROM customers WHERE name = 'ivo'")))
    topup = await begin_topup(db, settings, gateways, customer_id=ivo, gateway=gateway, amount="6000")
    fake.configure(webhook="late", webhook_times=20, concurrent=True)
    fake.pay(topup.reference)

    assert await reconcile(db, settings, gateways) == 1  # the webhook is late: the reconciler credits first
    released = httpx.post(f"{fake.base_url}/_control", json={"op": "release_webhooks"})
    assert released.json() == {"ok": True, "result": 1}
    assert wait_for_deliveries(fake, 20) == [200] * 20

    assert db.read_sync(topup_entries, topup_id=topup.id) == [600_000]
    assert db.read_sync(balance_cents, customer_id=ivo) == 600_000

    resend = {"op": "send_webhook", "reference": topup.reference, "bad_signature": True}
    assert httpx.post(f"{fake.base_url}/_control", json=resend).status_code == 200
    assert wait_for_deliveries(fake, 21)[-1] == 401
    assert db.read_sync(get_topup, reference=topup.reference).status == "credited"
