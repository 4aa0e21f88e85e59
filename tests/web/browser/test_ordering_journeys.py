"""Ordering from the panel in Chromium: the three product lines, mass orders, history, refusals.

The panel serves the demo catalog (``serve --demo``) with its worker running, the simulators quick:
an SMM order completes in a few seconds and an OTP code arrives in a few seconds, as on a live panel
but sooner. Elements are found by label and role only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.web.browser.conftest import PHONE, LivePanel
from tests.web.browser.support import new_username, sign_up

PANEL_SERVE_ARGS = ("--demo",)
PANEL_ENV = {
    "FLASHPANEL_SIMULATOR_SMM_SECONDS": "4",
    "FLASHPANEL_SIMULATOR_SMS_DELAY_SECONDS": "3",
    "FLASHPANEL_WORKER_INTERVAL_SECONDS": "0.5",
}


def customer_with(panel: LivePanel, page: Page, stem: str, amount: str) -> str:
    """A new customer, signed up in ``page``, topped up from the CLI as the operator does."""
    name = new_username(stem)
    sign_up(page, name)
    if amount != "0":
        panel.cli("users", "topup", name, amount, "--note", "bank transfer")
    return name


def nav(page: Page, name: str) -> Locator:
    """A link of the main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def settled(page: Page) -> None:
    """Wait until htmx has finished its swaps (new content gets its triggers when it settles): a customer
    is never fast enough to act in between, a test is."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_an_smm_order_is_priced_as_typed_placed_and_followed_in_history(panel: LivePanel, page: Page) -> None:
    customer_with(panel, page, "smm-buyer", "5000")
    nav(page, "SMM").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SMM services")
    page.get_by_label("Category").select_option("Demo Video")
    expect(page.get_by_role("heading", name="Demo Video Views")).to_be_visible()  # the form redrawn in place
    settled(page)
    page.get_by_label("Category").select_option("Demo Social")
    expect(page.get_by_role("heading", name="Demo Followers")).to_be_visible()
    settled(page)
    expect(page.get_by_text("not enough data")).to_be_visible()
    page.get_by_label("Link").fill("https://social.example/journey")
    page.get_by_label("Quantity").fill("1000")
    expect(page.get_by_label("Total")).to_have_text("₦500.00")  # Demo Followers: ₦500.00 per 1,000
    page.get_by_label("Quantity").fill("1500")
    expect(page.get_by_label("Total")).to_have_text("₦750.00")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^SMM order #\d+$"))
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Order #\d+ placed\.$"))
    expect(page.get_by_title("Your balance")).to_have_text("₦4,250.00")

    nav(page, "Orders").click()
    row = page.get_by_role("row").filter(has_text="https://social.example/journey")
    expect(row).to_contain_text("Demo Followers")
    page.evaluate("window.stillTheSamePage = true")
    expect(row).to_contain_text("Completed", timeout=30_000)  # the list refreshes itself while orders are open
    assert page.evaluate("window.stillTheSamePage") is True
    row.get_by_role("link").click()
    expect(page.get_by_text("Remains")).to_be_visible()
    page.get_by_role("link", name="Order again").click()
    expect(page.get_by_label("Link")).to_have_value("https://social.example/journey")
    expect(page.get_by_label("Quantity")).to_have_value("1500")


def test_a_refused_order_says_why_beside_the_form_and_charges_nothing(panel: LivePanel, page: Page) -> None:
    customer_with(panel, page, "smm-short", "100")
    page.goto("/smm")
    page.get_by_label("Link").fill("https://social.example/short")
    page.get_by_label("Quantity").fill("1000")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("alert")).to_have_text("Insufficient balance")
    expect(page.get_by_label("Link")).to_have_value("https://social.example/short")
    expect(page.get_by_title("Your balance")).to_have_text("₦100.00")


def test_the_otp_code_appears_without_reloading_the_page(panel: LivePanel, page: Page) -> None:
    customer_with(panel, page, "otp-buyer", "1000")
    nav(page, "Numbers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("OTP numbers")
    page.get_by_label("Country").select_option("United Kingdom")
    expect(page.get_by_label("Country")).to_have_value(re.compile(r"\d+"))
    settled(page)
    expect(page.get_by_label("Service")).to_contain_text(re.compile(r"Demo Chat — ₦350\.00 — \d+ available"))
    page.get_by_role("button", name="Buy number").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Number order #\d+$"))
    expect(page.get_by_label("Phone number")).to_have_value(re.compile(r"^\+\d{7,15}$"))
    expect(page.get_by_role("button", name="Copy number")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Expires in \d+:\d\d"))).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    expect(page.get_by_label("Code", exact=True)).to_have_value(re.compile(r"^\d{4,8}$"), timeout=30_000)
    assert page.evaluate("window.stillTheSamePage") is True  # htmx polled it in; no reload
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)


def test_cancelling_a_number_refunds_it(panel: LivePanel, page: Page) -> None:
    customer_with(panel, page, "otp-cancel", "1000")
    page.goto("/otp")
    page.get_by_role("button", name="Buy number").click()
    expect(page.get_by_title("Your balance")).to_have_text("₦650.00")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Number cancelled; its price is back in your wallet.")).to_be_visible()
    expect(page.get_by_title("Your balance")).to_have_text("₦1,000.00")


def test_bought_accounts_are_shown_downloadable_and_kept_in_the_orders_details(panel: LivePanel, page: Page) -> None:
    customer_with(panel, page, "acc-buyer", "10000")
    nav(page, "Accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    page.get_by_label("Category").select_option("Demo Social Media")
    expect(page.get_by_label("Product")).to_contain_text("Demo Social Account — ₦572.40")
    settled(page)
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Buy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Accounts order #\d+$"))
    credentials = page.get_by_label("Credentials").input_value().splitlines()
    assert len(credentials) == 2 and all(":" in line for line in credentials)
    expect(page.get_by_role("button", name="Copy credentials")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download .txt").click()
    assert Path(download.value.path()).read_text().splitlines() == credentials

    nav(page, "Orders").click()
    page.get_by_role("navigation", name="Product lines").get_by_role("link", name="Accounts").click()
    page.get_by_role("row").filter(has_text="Demo Social Account").get_by_role("link").click()
    assert page.get_by_label("Credentials").input_value().splitlines() == credentials


def test_a_mass_order_places_the_good_lines_and_reports_the_bad_one(panel: LivePanel, page: Page) -> None:
    customer_with(panel, page, "mass-buyer", "5000")
    page.goto("/smm/mass")
    page.get_by_label("Orders").fill(
        "1|https://social.example/mass-1|1000\n2|https://social.example/mass-2|1\n2|https://social.example/mass-3|100"
    )
    page.get_by_role("button", name="Place orders").click()
    expect(page.get_by_role("heading", name="2 of 3 orders placed · ₦520.00 charged")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="mass-2")).to_contain_text("Quantity must be between 50 and 20000")
    expect(page.get_by_title("Your balance")).to_have_text("₦4,480.00")


def test_the_ordering_pages_fit_a_360_px_screen_and_have_one_h1(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    phone = new_context(viewport=PHONE).new_page()
    customer_with(panel, phone, "phone-buyer-with-a-long-name", "10000")

    def check(path: str | None = None) -> None:
        if path:
            phone.goto(path)
        expect(phone.locator("h1")).to_have_count(1)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{phone.url} scrolls sideways by {overflow}px"

    for path in ["/smm", "/smm/mass", "/otp", "/accounts", "/orders"]:
        check(path)
    phone.goto("/smm")
    phone.get_by_label("Link").fill("https://social.example/" + "a-very-long-path-segment/" * 6)
    phone.get_by_label("Quantity").fill("100")
    phone.get_by_role("button", name="Place order").click()
    check()
    phone.goto("/smm/mass")
    phone.get_by_label("Orders").fill("1|https://social.example/" + "long/" * 20 + "|100\nbad line")
    phone.get_by_role("button", name="Place orders").click()
    check()
    phone.goto("/otp")
    phone.get_by_role("button", name="Buy number").click()
    check()
    phone.goto("/accounts")
    phone.get_by_role("button", name="Buy", exact=True).click()
    check()
    for path in ["/orders?tab=smm", "/orders?tab=otp", "/orders?tab=accounts"]:
        check(path)
