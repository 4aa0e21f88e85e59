"""An SMM order's page in Chromium: a support operator resends a flagged order to its provider after
ticking that they checked there, and the page's status history shows the order going back to pending."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.db.runner import Conn
from flashpanel.smm.lifecycle import apply_transition
from tests.web.browser.conftest import LivePanel
from tests.web.browser.test_back_office import _customer, _smm_order, enrol


def _flagged_order(panel: LivePanel) -> int:
    key, _ = _customer(panel, balance="1000")
    order_id = _smm_order(panel, key)
    panel.db.write_sync(
        apply_transition, order_id=order_id, expected="pending", target="processing", upstream_order_id="up-lost"
    )

    def flag(conn: Conn) -> None:
        conn.execute(
            "UPDATE smm_orders SET attention = 'the provider does not know order up-lost', attention_at = 1 "
            "WHERE id = ?",
            (order_id,),
        )

    panel.db.write_sync(flag)
    return order_id


def test_support_resends_a_flagged_order_once_checked_at_the_provider(panel: LivePanel, page: Page) -> None:
    operator, _ = enrol(page, panel, role="support")
    order_id = _flagged_order(panel)
    page.goto(f"/admin/orders/smm/{order_id}")
    expect(page.get_by_role("heading", name="Resend to provider")).to_be_visible()
    expect(page.get_by_text("The customer is not charged again")).to_be_visible()
    resend = page.get_by_role("button", name="Resend to provider")
    resend.click()  # the checkbox is required: the browser does not send the form
    expect(page.locator("#order-status")).to_have_text("processing")
    page.get_by_label("I checked at the provider that it has no record of this order").check()
    page.get_by_label("Note").fill("no such order on their panel")
    resend.click()
    expect(page.get_by_role("status")).to_contain_text("pending again")
    expect(page.locator("#order-status")).to_have_text("pending")
    expect(page.get_by_role("button", name="Resend to provider")).to_have_count(0)
    history = page.get_by_role("table", name="Status history")
    expect(history.get_by_role("row").last).to_contain_text("processing")
    expect(history.get_by_role("row").last).to_contain_text("pending")
    [row] = panel.db.read_sync(entries, flt=AuditFilter(action="smm.resend"))
    assert (row.actor, row.outcome, row.note) == (operator, "done", "no such order on their panel")
