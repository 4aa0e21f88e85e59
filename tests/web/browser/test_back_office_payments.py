"""Payments in the back office, in Chromium: a bank transfer found in Needs attention, approved with a
double click and from a second tab yet credited once, with its audit row; a rejection needs its reason;
a support operator sees the transfer but is refused its approval by the server."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import BrowserContext, Page, expect

from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.customers import service as customers
from flashpanel.db.runner import Conn
from flashpanel.payments.manual import submit_transfer
from flashpanel.payments.topups import Topup
from tests.web.browser.conftest import FUNDING_INSTRUCTIONS, PHONE, LivePanel
from tests.web.browser.test_back_office import enrol

_names = itertools.count(1)


def _transfer(panel: LivePanel, amount: str = "7500") -> tuple[str, Topup]:
    """A customer (their API key) who says they sent ``amount`` by bank transfer."""
    name = f"payer-{next(_names)}"
    key = panel.db.write_sync(customers.create_customer, name=name, initial_balance=Decimal(0))
    settings = panel.settings.model_copy(update={"funding_instructions": FUNDING_INSTRUCTIONS})
    topup: Topup = panel.db.write_sync(
        submit_transfer,
        settings=settings,
        customer_id=panel.db.read_sync(customers.customer_id_by_name, name=name),
        amount=Decimal(amount),
        transfer_reference=f"Example Bank {name}",
    )
    return key, topup


def _credits(panel: LivePanel, topup_id: int) -> int:
    def count(conn: Conn) -> int:
        return int(conn.scalar("SELECT COUNT(*) FROM ledger_entries WHERE topup_id = ?", (topup_id,)))

    return panel.db.read_sync(count)


def test_a_transfer_in_needs_attention_approved_twice_and_from_two_tabs_is_credited_once(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context(viewport=PHONE)
    first_tab = context.new_page()
    operator, _ = enrol(first_tab, panel)
    key, topup = _transfer(panel)
    first_tab.reload()
    attention = first_tab.get_by_role("listitem").filter(has_text=topup.reference)
    expect(attention).to_contain_text("transfer to approve")
    attention.get_by_role("link", name=f"Top-up #{topup.id}").click()
    expect(first_tab.get_by_role("heading", level=1)).to_contain_text(topup.reference)
    second_tab = context.new_page()
    second_tab.goto(f"/admin/payments/{topup.id}")

    first_tab.get_by_label("Approval note").fill("on the statement")
    first_tab.get_by_role("button", name="Approve").dblclick()  # a double click submits the form twice
    expect(first_tab.get_by_role("status")).to_contain_text("Approved: 7500.00 credited")
    expect(first_tab.get_by_text("credited", exact=True)).to_be_visible()
    second_tab.get_by_role("button", name="Approve").click()
    expect(second_tab.get_by_role("alert")).to_contain_text("not awaiting approval")

    assert _credits(panel, topup.id) == 1
    assert panel.balance(key).json()["data"]["balance"] == "7500.00"
    outcomes = [r.outcome for r in panel.db.read_sync(entries, flt=AuditFilter(object_id=topup.reference))]
    assert outcomes.count("done") == 1 and outcomes.count("refused") >= 1
    first_tab.get_by_role("link", name="Audit log").click()
    audit_row = first_tab.get_by_role("row").filter(has_text="on the statement")
    expect(audit_row).to_contain_text(operator)
    expect(audit_row).to_contain_text("topup.approve")


def test_a_rejection_needs_its_reason_and_credits_nothing(panel: LivePanel, page: Page) -> None:
    enrol(page, panel)
    key, topup = _transfer(panel)
    page.goto("/admin/payments")
    page.get_by_label("Status").select_option("awaiting_approval")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=topup.reference).click()
    reason = page.get_by_label("Reason for rejecting")
    page.get_by_role("button", name="Reject").click()  # the required field keeps the form from leaving
    expect(reason).to_be_focused()
    reason.fill("no such transfer on the statement")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_contain_text("Rejected: nothing was credited")
    expect(page.get_by_text("rejected", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert _credits(panel, topup.id) == 0
    assert panel.balance(key).json()["data"]["balance"] == "0.00"


def test_a_support_operator_is_refused_an_approval_by_the_server_and_it_is_audited(
    panel: LivePanel, page: Page
) -> None:
    operator, _ = enrol(page, panel, role="support")
    key, topup = _transfer(panel)
    page.goto(f"/admin/payments/{topup.id}")
    expect(page.get_by_text("Only an owner may approve or reject a transfer")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_contain_text("may not do this")
    assert _credits(panel, topup.id) == 0
    assert panel.balance(key).json()["data"]["balance"] == "0.00"
    [row] = panel.db.read_sync(entries, flt=AuditFilter(actor=operator, outcome="refused"))
    assert (row.action, row.object_id) == ("topup.approve", topup.reference)
