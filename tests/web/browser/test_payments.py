"""Adding funds in Chromium: the Add funds page → the fake gateway's hosted checkout → back on the
return page → the balance and the ledger show the top-up, and the API sees the new balance."""

from __future__ import annotations

import re
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from flashpanel.config import Settings
from flashpanel.db.runner import open_database
from flashpanel.payments.fakes import FakeFlutterwave, FakeGateway, FakePaystack
from flashpanel.providers.fakes.server import running_fake
from tests.conftest import POSTGRES_URL, REDIS_URL, _truncate_postgres
from tests.e2e.support import free_port, spawn, wait_until
from tests.web.browser.conftest import PHONE, LivePanel
from tests.web.browser.support import new_username, sign_up

SECRET = "sk_test_browser"
HASH = "browser-hash"
FAKES: dict[str, FakeGateway] = {}


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory, migrated_template: str) -> Iterator[LivePanel]:
    """A ``flashpanel serve`` with both gateways configured, each a fake served from this process that
    sends its webhooks to the panel."""
    workdir = tmp_path_factory.mktemp("payments-panel")
    if POSTGRES_URL:
        _truncate_postgres(POSTGRES_URL)
        database_url = POSTGRES_URL
    else:
        shutil.copyfile(migrated_template, workdir / "panel.db")
        database_url = f"sqlite:///{workdir / 'panel.db'}"
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        secret_key_file=workdir / "secret.key",
        demo_key_file=workdir / "demo.key",
        run_worker=False,
    )
    FAKES["paystack"] = FakePaystack(secret=SECRET, webhook_url=f"{base_url}/payments/paystack/webhook")
    FAKES["flutterwave"] = FakeFlutterwave(
        secret=SECRET, secret_hash=HASH, webhook_url=f"{base_url}/payments/flutterwave/webhook"
    )
    with ExitStack() as stack:
        for fake in FAKES.values():
            fake.base_url = stack.enter_context(running_fake(fake))
        extra = {
            "FLASHPANEL_PAYSTACK_SECRET_KEY": SECRET,
            "FLASHPANEL_PAYSTACK_BASE_URL": FAKES["paystack"].base_url,
            "FLASHPANEL_FLUTTERWAVE_SECRET_KEY": SECRET,
            "FLASHPANEL_FLUTTERWAVE_SECRET_HASH": HASH,
            "FLASHPANEL_FLUTTERWAVE_BASE_URL": FAKES["flutterwave"].base_url,
        }
        log = workdir / "serve.log"
        process = spawn(settings, workdir, log, "serve", "--port", str(port), "--no-worker", extra_env=extra)
        try:
            wait_until(
                process, log, lambda: httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200, what="no panel"
            )
            db = open_database(database_url, pool_size=1)
            try:
                yield LivePanel(base_url=base_url, settings=settings, log=log, workdir=workdir, db=db)
            finally:
                db.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


@pytest.mark.parametrize(("gateway", "label"), [("paystack", "Paystack"), ("flutterwave", "Flutterwave")])
def test_a_customer_adds_funds_through_the_hosted_checkout(
    panel: LivePanel, page: Page, gateway: str, label: str
) -> None:
    key = sign_up(page, new_username(f"pay-{gateway}"))
    delivered_before = len(FAKES[gateway].deliveries)
    page.goto("/wallet")
    page.get_by_role("link", name="Add funds").click()
    online = page.get_by_role("region", name="Pay online")
    online.get_by_label("Amount").fill("2500")
    online.get_by_role("button", name=f"Pay with {label}").click()

    expect(page.get_by_role("heading", name=f"Fake {label} checkout")).to_be_visible()
    expect(page.get_by_text("NGN 2500.00")).to_be_visible()
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/wallet/return/{gateway}\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received")
    page.get_by_role("link", name="Go to your wallet").click()
    expect(page.get_by_role("region", name="Balance")).to_contain_text("₦2,500.00")
    newest = page.get_by_role("row").nth(1)
    expect(newest).to_contain_text(re.compile(rf"top-up FP-\w+ \({gateway}\)"))
    expect(newest).to_contain_text("+₦2,500.00")
    assert panel.balance(key).json()["data"]["balance"] == "2500.00"
    # the webhook that follows the redirect is answered 200 and credits nothing more
    fake = FAKES[gateway]
    deadline = time.monotonic() + 15
    while len(fake.deliveries) < delivered_before + 1:
        assert time.monotonic() < deadline, "the fake gateway sent no webhook"
        time.sleep(0.05)
    assert fake.deliveries[delivered_before:] == [200]
    page.reload()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the one top-up
    assert panel.balance(key).json()["data"]["balance"] == "2500.00"


def test_a_cancelled_checkout_credits_nothing(panel: LivePanel, page: Page) -> None:
    key = sign_up(page, new_username("cancel"))
    page.goto("/wallet/add")
    page.get_by_role("region", name="Pay online").get_by_label("Amount").fill("700")
    page.get_by_role("button", name="Pay with Paystack").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment pending")
    assert panel.balance(key).json()["data"]["balance"] == "0.00"
    page.goto("/wallet/add")
    expect(page.get_by_role("region", name="Your recent top-ups")).to_contain_text("Pending")


def test_add_funds_fits_a_phone_screen_with_both_gateways_and_a_top_up_listed(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    phone = new_context(viewport=PHONE).new_page()
    sign_up(phone, new_username("phone-pay"))
    phone.goto("/wallet/add")
    phone.get_by_role("region", name="Pay online").get_by_label("Amount").fill("100")
    phone.get_by_role("button", name="Pay with Flutterwave").click()
    phone.get_by_role("button", name="Cancel").click()
    phone.goto("/wallet/add")
    expect(phone.get_by_role("button", name="Pay with Paystack")).to_be_visible()
    expect(phone.get_by_role("region", name="Your recent top-ups")).to_contain_text("Pending")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"/wallet/add scrolls sideways by {overflow}px"
