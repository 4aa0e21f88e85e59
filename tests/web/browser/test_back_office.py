"""The operator back office in Chromium: TOTP log-in, a credit seen in the ledger and the audit log,
an SMM cancel refunded once however it is submitted, a support operator refused a credit, CSRF."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from flashpanel.admin import totp
from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.customers import service as customers
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn
from flashpanel.smm import catalog
from flashpanel.smm.service import place_order
from flashpanel.wallet import ledger
from tests.admin.support import OPERATOR_PASSWORD, make_operator, next_code
from tests.web.browser.conftest import PHONE, LivePanel

_names = itertools.count(1)


def _name(stem: str) -> str:
    return f"{stem}-{next(_names)}"


def enrol(page: Page, panel: LivePanel, role: str = "owner") -> tuple[str, str]:
    """Create an operator and log in for the first time, enrolling the authenticator: (name, secret)."""
    name = _name(role)
    make_operator(panel.db, name, role=role)
    page.goto("/admin/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor log-in")
    expect(page.get_by_role("img", name="Authenticator QR code")).to_be_visible()
    secret = page.get_by_label("Secret").input_value()
    page.get_by_label("Code").fill(totp.current_code(secret))
    page.get_by_role("button", name="Turn on two-factor log-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    return name, secret


def _customer(panel: LivePanel, balance: str = "100") -> tuple[str, int]:
    name = _name("cust")
    key = panel.db.write_sync(customers.create_customer, name=name, initial_balance=Decimal(balance))
    return key, panel.db.read_sync(customers.customer_id_by_name, name=name)


def test_an_operator_logs_in_with_a_password_and_a_totp_code(panel: LivePanel, page: Page) -> None:
    name, secret = enrol(page, panel)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You have logged out.")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong name, password or code")
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_label("Code").fill(next_code(secret))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("img", name="Orders by status over the last 7 days")).to_be_visible()


def test_an_owner_credits_a_customer_and_sees_the_ledger_and_audit_rows(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(viewport=PHONE).new_page()
    operator, _ = enrol(page, panel)
    key, customer_id = _customer(panel, balance="10")
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search by name, email or key prefix").fill(key[:6])
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="cust-").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Customer cust-")
    page.get_by_label("Amount").fill("2500.50")
    page.get_by_label("Note").fill("bank transfer 1234")
    page.get_by_role("button", name="Apply to wallet").click()
    expect(page.get_by_role("status")).to_contain_text("Credited 2500.50")
    ledger_row = page.get_by_role("row").filter(has_text="bank transfer 1234")
    expect(ledger_row).to_contain_text("+₦2,500.50")
    expect(ledger_row).to_contain_text("₦2,510.50")
    assert panel.balance(key).json()["data"]["balance"] == "2510.50"
    page.get_by_role("link", name="Audit log").click()
    audit_row = page.get_by_role("row").filter(has_text="bank transfer 1234")
    expect(audit_row).to_contain_text(operator)
    expect(audit_row).to_contain_text("wallet.adjust")
    expect(audit_row).to_contain_text(f"customer {customer_id}")
    expect(audit_row).to_contain_text("done")


def _smm_order(panel: LivePanel, key: str) -> int:
    spec = catalog.ServiceInput(
        name="Browser Followers",
        category="Test",
        rate=Decimal("500.00"),
        min_quantity=100,
        max_quantity=10000,
        provider="simulator",
    )
    service_id = panel.db.write_sync(catalog.add_service, spec=spec)
    placed = panel.db.write_sync(
        place_order,
        key_digest=key_digest(key),
        service_id=service_id,
        link="https://example.com/p",
        quantity=1000,
        simulators=True,
    )
    return int(placed["order_id"])


def _refunds(panel: LivePanel, order_id: int) -> int:
    return int(
        panel.db.read_sync(
            lambda c: c.scalar(
                "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund' AND order_kind = 'smm' AND order_id = ?",
                (order_id,),
            )
        )
    )


def test_an_smm_order_cancelled_twice_and_from_two_tabs_is_refunded_once(
    panel: LivePanel, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    first_tab = context.new_page()
    enrol(first_tab, panel, role="support")
    key, customer_id = _customer(panel, balance="1000")
    order_id = _smm_order(panel, key)
    second_tab = context.new_page()
    for tab in (first_tab, second_tab):
        tab.goto(f"/admin/orders/smm/{order_id}")
    cancel = first_tab.get_by_role("button", name="Cancel and refund ₦500.00")
    cancel.dblclick()  # a double click submits the form twice
    expect(first_tab.locator("#order-status")).to_have_text("cancelled")  # the status history says it too
    second_tab.get_by_role("button", name="Cancel and refund ₦500.00").click()
    expect(second_tab.get_by_role("alert")).to_be_visible()
    assert _refunds(panel, order_id) == 1
    outcomes = [
        r.outcome
        for r in panel.db.read_sync(entries, flt=AuditFilter(object_kind="smm_order", object_id=str(order_id)))
    ]
    assert outcomes.count("done") == 1 and outcomes.count("refused") >= 1
    assert panel.db.read_sync(ledger.balance_cents, customer_id=customer_id) == 100000
    first_tab.reload()
    expect(first_tab.get_by_role("button", name="Cancel and refund ₦500.00")).to_have_count(0)


def test_a_support_operator_is_refused_a_credit_by_the_server_and_it_is_audited(panel: LivePanel, page: Page) -> None:
    operator, _ = enrol(page, panel, role="support")
    key, customer_id = _customer(panel, balance="10")
    page.goto(f"/admin/customers/{customer_id}")
    page.get_by_label("Amount").fill("100")
    page.get_by_label("Note").fill("asked by phone")
    page.get_by_role("button", name="Apply to wallet").click()
    expect(page.get_by_role("alert")).to_contain_text("may not do this")
    assert panel.balance(key).json()["data"]["balance"] == "10.00"
    [row] = panel.db.read_sync(entries, flt=AuditFilter(actor=operator, outcome="refused"))
    assert (row.action, row.note) == ("wallet.adjust", "asked by phone")


def test_a_back_office_form_without_its_csrf_token_is_refused(panel: LivePanel, page: Page) -> None:
    page.goto("/admin/login")
    page.evaluate("document.querySelectorAll('input[name=_csrf_token]').forEach(field => field.remove())")
    page.get_by_label("Name").fill("nobody")
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page).to_have_title("Not allowed · flashpanel back office")  # the back office's page, not the panel's


def test_twenty_thousand_stock_lines_import_with_progress_and_counts(panel: LivePanel, page: Page) -> None:
    enrol(page, panel)
    category = _name("Mail")
    product_name = _name("Mailbox")

    def add_product(conn: Conn) -> None:
        category_id = conn.scalar("INSERT INTO account_categories (name) VALUES (?) RETURNING id", (category,))
        conn.execute(
            "INSERT INTO account_products (category_id, name, price_cents, created_at) VALUES (?, ?, 100, 0)",
            (category_id, product_name),
        )

    panel.db.write_sync(add_product)
    lines = [f"{product_name}-user-{n}:secret-{n}" for n in range(20_000)] + [
        f"{product_name}-user-{n}:secret-{n}" for n in range(5)
    ]
    page.get_by_role("link", name="Stock").click()
    page.get_by_label("Product", exact=True).select_option(label=f"{category} · {product_name}")
    stock_file: FilePayload = {"name": "stock.txt", "mimeType": "text/plain", "buffer": "\n".join(lines).encode()}
    page.get_by_label("Stock file").set_input_files(files=[stock_file])
    page.get_by_role("button", name="Upload stock").click()
    progress = page.get_by_role("progressbar", name="Import progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("max", "20005")
    expect(page.get_by_role("status")).to_have_text("Added: 20000, Skipped duplicates: 5", timeout=120_000)
    expect(progress).to_have_attribute("value", "20005")
