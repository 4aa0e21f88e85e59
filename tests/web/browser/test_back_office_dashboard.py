"""The back-office dashboard on a phone: each period's profit is on screen without scrolling sideways."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.web.browser.conftest import PHONE, LivePanel
from tests.web.browser.test_back_office import enrol


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
