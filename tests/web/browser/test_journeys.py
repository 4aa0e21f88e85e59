"""The customer panel in Chromium: the journeys of issue 15 this foundation covers."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import BrowserContext, Page, expect

from flashpanel.customers import service
from tests.web.browser.conftest import FUNDING_INSTRUCTIONS, PHONE, LivePanel
from tests.web.browser.support import PASSWORD, log_in, log_out, new_username, sign_up


def test_sign_up_shows_the_key_once_and_a_new_key_stops_the_old_one(panel: LivePanel, page: Page) -> None:
    name = new_username("ada")
    first_key = sign_up(page, name)
    balance = panel.balance(first_key)
    assert balance.status_code == 200 and balance.json()["data"]["balance"] == "0.00"

    page.get_by_role("link", name="Continue to your dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_text(f"{first_key[:8]}…")).to_be_visible()
    assert first_key not in page.content()  # after that one page, the key is never shown again

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Generate new API key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API key")
    expect(page.get_by_text("Your previous key no longer works.")).to_be_visible()
    second_key = page.get_by_label("API key").input_value()
    assert second_key != first_key
    assert panel.balance(first_key).status_code == 401
    assert panel.balance(second_key).status_code == 200


def test_the_copy_button_puts_the_key_on_the_clipboard(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=panel.base_url)
    page = context.new_page()
    key = sign_up(page, new_username("copy"))
    page.get_by_role("button", name="Copy key").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    # 127.0.0.1 is a secure context, so the button used the clipboard API
    assert page.evaluate("navigator.clipboard.readText()") == key


def test_a_regeneration_with_the_wrong_password_keeps_the_key(panel: LivePanel, page: Page) -> None:
    key = sign_up(page, new_username("bea"))
    page.goto("/profile")
    page.get_by_label("Password", exact=True).fill("not my password")
    page.get_by_role("button", name="Generate new API key").click()
    expect(page.get_by_role("alert")).to_have_text("The password is wrong")
    assert panel.balance(key).status_code == 200


def test_logging_out_ends_the_session(panel: LivePanel, page: Page) -> None:
    name = new_username("cleo")
    sign_up(page, name)
    page.goto("/wallet")
    log_out(page)
    expect(page.get_by_role("status")).to_have_text("You have logged out.")
    page.goto("/wallet")
    expect(page).to_have_url(re.compile(r"/login\?next=/wallet$"))
    log_in(page, name)
    expect(page).to_have_url(panel.url("/wallet"))  # back where the visit was going


def test_a_form_posted_without_its_csrf_token_is_refused(panel: LivePanel, page: Page) -> None:
    name = new_username("dora")
    page.goto("/login")
    page.evaluate("document.querySelectorAll('input[name=_csrf_token]').forEach(field => field.remove())")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_text("This form was not sent from a page of this panel")).to_be_visible()


def test_htmx_posts_carry_the_csrf_token_in_a_header(panel: LivePanel, page: Page) -> None:
    sign_up(page, new_username("eve"))
    page.goto("/profile")
    page.evaluate("window.stillTheSamePage = true")
    # the form's own token field goes: only the header htmx copies from <body hx-headers> is left
    page.evaluate("document.querySelector('#email-form input[name=_csrf_token]').remove()")
    page.get_by_role("textbox", name="Email", exact=True).fill("eve.new@example.net")
    page.get_by_role("button", name="Save email").click()
    expect(page.get_by_text("Your email address has been saved.")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place, no page load
    page.reload()
    expect(page.get_by_text("eve.new@example.net", exact=True)).to_be_visible()


def test_wrong_passwords_get_limited(panel: LivePanel, page: Page) -> None:
    name = new_username("finn")
    sign_up(page, name)
    log_out(page)
    for _ in range(5):  # FLASHPANEL_RATE_LIMIT_LOGIN_ACCOUNT: 5/minute
        log_in(page, name, "not the password")
        expect(page.get_by_role("alert")).to_have_text("Wrong username, email or password")
    log_in(page, name, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"^Too many attempts, try again in \d+ s$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_a_forgotten_password_is_reset_through_the_emailed_link(panel: LivePanel, page: Page) -> None:
    name = new_username("gus")
    sign_up(page, name)
    log_out(page)
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Username or email").fill(f"{name}@example.com")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account matches")
    # no SMTP server configured: the message, link included, is in the server log
    deadline = time.monotonic() + 10
    while not (links := re.findall(rf"{re.escape(panel.base_url)}/reset/\S+", panel.log.read_text())):
        assert time.monotonic() < deadline, panel.log.read_text()
        time.sleep(0.1)
    page.goto(links[-1])
    page.get_by_label("Password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Confirm password").fill("a brand new passphrase")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("status")).to_have_text("Your password has been changed. Log in with it.")
    log_in(page, name, "a brand new passphrase")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")


def test_the_wallet_pages_through_its_history_in_place(panel: LivePanel, page: Page) -> None:
    name = new_username("hal")
    sign_up(page, name)
    panel.cli("users", "topup", name, "1", "--note", "transfer 1")  # as the operator does
    for amount in range(2, 23):  # 22 top-ups in all: two pages of history
        panel.db.write_sync(service.top_up, name=name, amount=Decimal(amount), note=f"transfer {amount}")
    page.goto("/wallet")
    expect(page.get_by_text("₦253.00").first).to_be_visible()  # 1 + 2 + ... + 22
    rows = page.get_by_role("row")
    expect(rows).to_have_count(21)  # the header and 20 entries, newest first
    expect(rows.nth(1)).to_contain_text("transfer 22")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name="Older entries").click()
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("transfer 1")
    expect(page).to_have_url(re.compile(r"/wallet\?before=\d+$"))
    assert page.evaluate("window.stillTheSamePage") is True
    page.get_by_role("link", name="Add funds").click()
    expect(page.get_by_text(FUNDING_INSTRUCTIONS)).to_be_visible()


def test_the_api_documentation_renders_under_the_content_security_policy(panel: LivePanel, page: Page) -> None:
    page.goto("/docs")
    expect(page.get_by_role("heading", name=re.compile("flashpanel API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/balance").first).to_be_visible()


def test_every_page_fits_a_360_px_screen_and_has_one_h1(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    phone = new_context(viewport=PHONE).new_page()

    def check(path: str) -> None:
        phone.goto(path)
        expect(phone.locator("h1")).to_have_count(1)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"

    for path in ["/", "/login", "/signup", "/forgot", "/reset/not-a-token", "/no-such-page"]:
        check(path)
    name = new_username("ivy-with-a-rather-long-name")
    sign_up(phone, name)
    check_current = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert check_current <= 0, "the key page scrolls sideways"
    panel.db.write_sync(service.top_up, name=name, amount=Decimal("1234567.89"), note="a long note " * 8)
    for path in ["/", "/wallet", "/wallet/add", "/profile", "/api-access"]:
        check(path)
