"""The API reference at /docs in a real browser: it loads under the Content-Security-Policy from this
server alone, and "Try it out" sends a request with the demo customer's key given in "Authorize"."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import LivePanel


def test_try_it_out_answers_with_the_demo_key_and_no_request_leaves_the_server(panel: LivePanel, page: Page) -> None:
    demo_key = panel.cli("demo", "seed").strip().splitlines()[-1]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/docs")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_label("Value:").first.fill(demo_key)  # the first scheme: the key as a query parameter
    page.get_by_role("button", name="Apply credentials").first.click()
    page.get_by_role("button", name="Close").first.click()
    page.get_by_role("button", name="GET /api/v1/balance Wallet balance").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    answer = page.locator(".live-responses-table")  # Swagger UI's table of the answer (no role to find it by)
    expect(answer).to_contain_text('"balance": "15000.00"')
    expect(answer).to_contain_text("x-ratelimit-remaining")
    assert any(url.startswith(panel.url("/api/v1/balance?key=")) for url in requested)
    assert [url for url in requested if not url.startswith(panel.base_url + "/")] == []


def test_try_it_out_sends_an_api_v2_action_picked_from_its_examples(panel: LivePanel, page: Page) -> None:
    demo_key = panel.cli("demo", "seed").strip().splitlines()[-1]
    page.goto("/docs")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_label("Value:").first.fill(demo_key)
    page.get_by_role("button", name="Apply credentials").first.click()
    page.get_by_role("button", name="Close").first.click()
    page.get_by_role("button", name="POST /api/v2 SMM panel API v2").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("combobox").filter(has_text="refill_status").select_option("balance")  # one example per action
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table")).to_contain_text('"balance": "15000.00"')
