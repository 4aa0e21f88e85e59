"""The back office on a phone: every page fits 360 px, and each period's profit is on screen first."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from flashpanel.customers.keys import key_digest
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.smm.service import place_order
from tests.web.browser.conftest import PHONE, LivePanel
from tests.web.browser.test_back_office import enrol

# The demo catalog (SMM services, numbers, accounts products) gives every page real rows to lay out.
PANEL_SERVE_ARGS = ("--demo", "--no-worker")


def test_on_a_phone_the_dashboard_shows_each_periods_profit_without_scrolling_sideways(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(viewport=PHONE).new_page()
    enrol(page, panel)
    for period in ("Today", "7 days", "30 days"):
        table = page.get_by_role("table", name=period)
        profit = table.get_by_role("columnheader", name="Profit")
        expect(profit).to_be_visible()
        box = profit.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{period}: Profit is off-screen at {box}"
        # Profit is the first figure after the line's name: the one an operator looks for first.
        expect(table.get_by_role("columnheader").nth(1)).to_have_text("Profit")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _demo_order(panel: LivePanel) -> int:
    """An SMM order by the demo customer for the first demo service (so order and customer pages have rows)."""
    key = panel.settings.demo_key_file.read_text().strip()
    service_id = int(panel.db.read_sync(lambda c: c.scalar("SELECT MIN(id) FROM smm_services")))
    placed = panel.db.write_sync(
        place_order,
        key_digest=key_digest(key),
        service_id=service_id,
        link="https://social.example/demo-page",
        quantity=1000,
        simulators=True,
    )
    order_id = int(placed["order_id"])
    # Moved on once, so its status history holds the longest status names the page lays out.
    panel.db.write_sync(apply_transition, order_id=order_id, expected="pending", target="in_progress")
    # Flagged, so its page also lays out the resend form.
    flag = "UPDATE smm_orders SET attention = 'the provider does not know this order', attention_at = 1 WHERE id = ?"
    panel.db.write_sync(lambda c: c.execute(flag, (order_id,)))
    return order_id


def test_every_back_office_page_fits_a_phone_without_scrolling_sideways(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(viewport=PHONE).new_page()
    enrol(page, panel)
    pages = [
        "/admin",
        "/admin/customers",
        "/admin/orders/smm",
        "/admin/orders/otp",
        "/admin/orders/accounts",
        "/admin/catalog",
        "/admin/providers",
        "/admin/stock",
        "/admin/operators",
        "/admin/payments",
        "/admin/audit",
    ]
    order_id = _demo_order(panel)
    customer_id = panel.db.read_sync(lambda c: c.scalar("SELECT customer_id FROM smm_orders WHERE id = ?", (order_id,)))
    pages += [f"/admin/orders/smm/{order_id}", f"/admin/customers/{customer_id}"]
    too_wide = {}
    for path in pages:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}
