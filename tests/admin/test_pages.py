"""The back office over HTTP: log-in with TOTP, enrolment, the session cookie, CSRF, the IP allow-list,
roles enforced by the server, and the pages an operator uses."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from flashpanel.admin import totp
from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.config import Settings
from flashpanel.db.runner import Database
from flashpanel.otp.service import drain_background
from tests.admin.conftest import balance_cents, customer_id
from tests.admin.support import OPERATOR_PASSWORD, enrol_and_log_in, form_fields, make_operator, next_code, post
from tests.helpers import state_of
from tests.web.support import panel_client


async def test_an_operator_enrols_at_first_log_in_then_logs_in_with_a_code(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    assert (await client.get("/admin")).headers["location"] == "/admin/login"
    secret = await enrol_and_log_in(client, "olu")
    dashboard = await client.get("/admin")
    assert dashboard.status_code == 200 and "Needs attention" in dashboard.text
    await post(client, "/admin/logout", {}, page="/admin")
    assert (await client.get("/admin")).status_code == 303
    refused = await post(
        client, "/admin/login", {"name": "olu", "password": OPERATOR_PASSWORD, "code": ""}, page="/admin/login"
    )
    assert refused.status_code == 400 and "Wrong name, password or code" in refused.text
    fields = {"name": "olu", "password": OPERATOR_PASSWORD, "code": next_code(secret)}
    assert (await post(client, "/admin/login", fields, page="/admin/login")).headers["location"] == "/admin"


async def test_the_enrolment_page_shows_a_qr_code_and_the_secret_as_text(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    await post(client, "/admin/login", {"name": "olu", "password": OPERATOR_PASSWORD}, page="/admin/login")
    page = await client.get("/admin/enrol")
    assert "<svg" in page.text and 'for="field-code">Code</label>' in page.text
    secret = re.search(r'id="totp-secret" class="mono" type="text" value="([A-Z2-7]+)"', page.text)
    assert secret is not None
    wrong = await post(client, "/admin/enrol", {"code": "000000"}, page="/admin/enrol")
    assert wrong.status_code == 400 and "not right" in wrong.text
    assert (await client.get("/admin")).status_code == 303  # no operator session before a right code
    await post(client, "/admin/enrol", {"code": totp.current_code(secret.group(1))}, page="/admin/enrol")
    assert (await client.get("/admin")).status_code == 200


async def test_the_operator_cookie_is_its_own_strict_and_scoped_to_the_back_office(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    first = await post(client, "/admin/login", {"name": "olu", "password": OPERATOR_PASSWORD}, page="/admin/login")
    enrol_cookie = first.headers["set-cookie"]
    assert enrol_cookie.startswith("fp_admin_enrol=") and "Path=/admin" in enrol_cookie
    page = await client.get("/admin/enrol")
    secret = re.search(r'value="([A-Z2-7]{32})"', page.text)
    assert secret is not None
    done = await post(client, "/admin/enrol", {"code": totp.current_code(secret.group(1))}, page="/admin/enrol")
    cookies = done.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("fp_admin="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/admin" in session
    assert "Max-Age=43200" in session
    assert (await client.get("/wallet")).status_code == 303  # not a customer session


async def test_a_back_office_form_without_its_csrf_token_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    make_operator(db, "olu")
    response = await client.post("/admin/login", data={"name": "olu", "password": OPERATOR_PASSWORD, "code": ""})
    assert response.status_code == 403 and "This form was not sent from a page of this panel" in response.text
    assert "flashpanel back office" in response.text  # the back office's own error page


async def test_a_logged_in_operator_s_form_with_a_wrong_csrf_token_gets_the_back_office_error_page(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("ada", balance="10")
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    path = f"/admin/customers/{customer_id(db, 'ada')}"
    fields = form_fields((await client.get(path)).text, f"{path}/adjust")
    form = {**fields, "_csrf_token": "not-the-token", "direction": "credit", "amount": "100", "note": "forged"}
    refused = await client.post(f"{path}/adjust", data=form)
    assert refused.status_code == 403 and "This form was not sent from a page of this panel" in refused.text
    assert "flashpanel back office" in refused.text and 'aria-label="Back office"' not in refused.text
    assert balance_cents(db, "ada") == 1000


async def test_outside_the_allow_list_the_back_office_does_not_exist(settings: Settings, db: Database) -> None:
    async with panel_client(settings, admin_allowed_ips="203.0.113.0/24") as outsider:
        assert (await outsider.get("/admin/login")).status_code == 404
    async with panel_client(settings, admin_allowed_ips="127.0.0.1, 203.0.113.0/24") as insider:
        assert (await insider.get("/admin/login")).status_code == 200


def test_the_back_office_path_setting_is_normalised_and_checked() -> None:
    assert Settings(admin_path="ops/").admin_path == "/ops"
    with pytest.raises(ValueError, match="must be a path"):
        Settings(admin_path="/")


async def test_the_back_office_moves_to_its_configured_path(settings: Settings, db: Database) -> None:
    async with panel_client(settings, admin_path="/ops") as operator:
        page = await operator.get("/ops/login")
        assert page.status_code == 200 and 'action="/ops/login"' in page.text
        assert (await operator.get("/admin/login")).status_code == 404


async def test_an_owner_credits_a_customer_and_sees_the_ledger_and_audit_rows(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("ada", balance="10")
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    path = f"/admin/customers/{customer_id(db, 'ada')}"
    page = await client.get(path)
    fields = form_fields(page.text, f"{path}/adjust")
    form = {**fields, "direction": "credit", "amount": "2500.50", "note": "bank transfer 77"}
    done = await client.post(f"{path}/adjust", data=form)
    assert done.status_code == 303
    after = await client.get(path)
    assert "₦2,510.50" in after.text and "bank transfer 77 (by olu)" in after.text
    again = await client.post(f"{path}/adjust", data=form)  # the same form, resent
    assert again.status_code == 409 and balance_cents(db, "ada") == 251050
    audit = await client.get("/admin/audit?action=wallet.adjust")
    assert "bank transfer 77" in audit.text and "refused" in audit.text
    exported = await client.get("/admin/audit.csv?action=wallet.adjust&outcome=done")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv") and len(rows) == 2
    assert rows[1][2:4] == ["olu", "wallet.adjust"] and rows[1][8] == "bank transfer 77"


async def test_a_support_operator_is_refused_a_credit_by_the_server_and_it_is_audited(
    client: httpx.AsyncClient, db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("ada", balance="10")
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    path = f"/admin/customers/{customer_id(db, 'ada')}"
    page = await client.get(path)
    assert "Rotate API key" not in page.text
    form = {**form_fields(page.text, f"{path}/adjust"), "amount": "100", "note": "asked nicely"}
    refused = await client.post(f"{path}/adjust", data=form)
    assert refused.status_code == 403 and "owners" in refused.text
    assert balance_cents(db, "ada") == 1000
    [row] = db.read_sync(entries, flt=AuditFilter(actor="ngozi", outcome="refused"))
    assert (row.action, row.note, row.address) == ("wallet.adjust", "asked nicely", "127.0.0.1")


async def test_support_cancels_an_smm_order_once_from_the_order_page(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int]
) -> None:
    order_id = smm_order("ada")
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get(f"/admin/orders/smm/{order_id}")
    action = f"/admin/order-actions/smm/{order_id}/status"
    start = page.text.index('name="status" value="cancelled"')
    cancel_form = form_fields(page.text[page.text.rindex("<form", 0, start) :], action)
    first = await client.post(action, data=cancel_form)
    assert first.status_code == 303
    second = await client.post(action, data=cancel_form)
    assert second.status_code == 409
    assert balance_cents(db, "ada") == 100000
    listing = await client.get("/admin/orders/smm?status=cancelled")
    assert f"#{order_id}" in listing.text


async def test_the_dashboard_and_lists_render_for_every_line(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int], waiting_otp_order: Callable[..., int]
) -> None:
    smm_order("ada")
    waiting_otp_order("ada")
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    dashboard = await client.get("/admin")
    assert "<svg" in dashboard.text and "Orders by status" in dashboard.text
    for line in ("smm", "otp", "accounts"):
        assert (await client.get(f"/admin/orders/{line}")).status_code == 200
    assert (await client.get("/admin/orders/smm?since=yesterday")).status_code == 400
    assert (await client.get("/admin/orders/books")).status_code == 404
    assert "ada" in (await client.get("/admin/customers?q=ad")).text


async def test_an_operator_session_idle_for_thirty_minutes_ends(client: httpx.AsyncClient, db: Database) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    db.write_sync(
        lambda c: c.execute("UPDATE web_sessions SET last_seen_at = last_seen_at - 1801 WHERE realm = 'operator'")
    )
    assert (await client.get("/admin")).headers["location"] == "/admin/login"


async def test_operator_log_ins_are_limited_with_retry_after(client: httpx.AsyncClient, db: Database) -> None:
    make_operator(db, "olu")
    wrong = {"name": "olu", "password": "not the right passphrase", "code": ""}
    for _ in range(5):
        assert (await post(client, "/admin/login", wrong, page="/admin/login")).status_code == 400
    limited = await post(client, "/admin/login", {**wrong, "password": OPERATOR_PASSWORD}, page="/admin/login")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "Too many attempts" in limited.text


async def test_a_bulk_cancel_states_the_refund_first_then_refunds_each_order_once(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int]
) -> None:
    first, second = smm_order("ada"), smm_order("ada")
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    listing = await client.get("/admin/orders/smm")
    token = form_fields(listing.text, "/admin/order-actions/smm/bulk-cancel")["_csrf_token"]
    selection = {"_csrf_token": token, "order_ids": [str(first), str(second)]}
    confirm = await client.post("/admin/order-actions/smm/bulk-cancel", data=selection)
    assert confirm.status_code == 200 and "Cancel and refund ₦1,000.00" in confirm.text
    assert balance_cents(db, "ada") == 0  # nothing moved yet
    fields = form_fields(confirm.text, "/admin/order-actions/smm/bulk-cancel")
    done = await client.post(
        "/admin/order-actions/smm/bulk-cancel", data={**fields, "order_ids": [str(first), str(second)]}
    )
    assert done.status_code == 303 and balance_cents(db, "ada") == 100000
    again = await client.post(
        "/admin/order-actions/smm/bulk-cancel", data={**fields, "order_ids": [str(first), str(second)]}
    )
    assert again.status_code == 303 and balance_cents(db, "ada") == 100000  # finished orders are left alone


async def test_a_number_cancelled_from_its_page_is_refunded_and_flagged_when_it_cannot_be_released(
    app: Litestar, client: httpx.AsyncClient, db: Database, waiting_otp_order: Callable[..., int]
) -> None:
    order_id = waiting_otp_order("ada")  # no provider behind it: the release upstream fails
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get(f"/admin/orders/otp/{order_id}")
    action = f"/admin/order-actions/otp/{order_id}/cancel"
    done = await client.post(action, data=form_fields(page.text, action))
    assert done.status_code == 303 and balance_cents(db, "ada") == 100000
    await drain_background(state_of(app))
    flagged = await client.get(f"/admin/orders/otp/{order_id}")
    assert "could not be released upstream" in flagged.text and "Mark as handled" in flagged.text


async def test_a_customer_is_created_from_the_customers_page_and_the_key_shown_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/customers")
    new_customer_form = page.text[page.text.index("New customer") :]
    fields = form_fields(new_customer_form, "/admin/customers")
    created = await client.post("/admin/customers", data={**fields, "username": "tunde", "email": ""})
    assert created.status_code == 200 and "New API key" in created.text and "Customer tunde" in created.text
    again = await client.get(f"/admin/customers/{customer_id(db, 'tunde')}")
    assert "New API key" not in again.text
    resent = await client.post("/admin/customers", data={**fields, "username": "tunde-2", "email": ""})
    assert resent.status_code == 409  # the same form twice
    page = await client.get("/admin/customers")
    fields = form_fields(page.text[page.text.index("New customer") :], "/admin/customers")
    bad = await client.post("/admin/customers", data={**fields, "username": "x", "email": ""})
    assert bad.status_code == 422 and "Username must be" in bad.text
