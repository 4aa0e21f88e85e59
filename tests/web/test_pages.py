"""The panel's pages over HTTP: HTML errors off the API, headers, CSRF, sessions, sign-up switch."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from flashpanel.app import create_app
from flashpanel.config import Settings
from flashpanel.customers import service
from flashpanel.db.runner import Database
from tests.helpers import assert_error
from tests.web.support import PASSWORD, csrf_token, log_in, panel_client, post_form, sign_up


async def test_unknown_panel_paths_get_an_html_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in response.text
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/docs/nope.json", "/metrics/nope"])
async def test_unknown_api_docs_and_metrics_paths_keep_the_json_envelope(client: httpx.AsyncClient, path: str) -> None:
    assert_error(await client.get(path), 404, "not found")


async def test_an_unexpected_error_on_a_page_is_an_html_500_without_internals(settings: Settings) -> None:
    from litestar import get
    from litestar.testing import AsyncTestClient

    @get("/explode")
    async def explode() -> None:
        raise RuntimeError("secret internal detail")

    app = create_app(settings, run_worker=False)
    app.register(explode)
    async with AsyncTestClient(app=app) as test_client:
        response = await test_client.get("/explode")
    assert response.status_code == 500 and "<h1>Something went wrong</h1>" in response.text
    assert "secret" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/forgot", "/docs", "/nowhere"])
async def test_pages_and_docs_carry_the_security_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert script_src.strip() == "script-src 'self'"  # no inline scripts, no eval, no CDN
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text and "cdn" not in response.text.lower()


async def test_api_answers_carry_no_cookie_and_none_of_the_page_machinery(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="1")
    client.cookies.set("fp_session", "x")
    client.cookies.set("fp_csrf", "y")
    response = await client.get("/api/v1/balance", params={"key": key})
    assert response.status_code == 200
    assert "set-cookie" not in response.headers and "content-security-policy" not in response.headers
    # a form post to the API with no CSRF token is not refused: the API authenticates by key, never by cookie
    response = await client.post("/api/v1/smm/order", data={"key": key, "service": "1", "link": "x", "quantity": "1"})
    assert response.status_code != 403


async def test_a_form_posted_without_its_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/signup")  # the CSRF cookie is set, but the post does not repeat the token
    response = await client.post(
        "/signup",
        data={"username": "mallory", "email": "m@example.com", "password": PASSWORD, "confirm_password": PASSWORD},
    )
    assert response.status_code == 403 and "not sent from a page of this panel" in response.text
    response = await client.post("/login", data={"_csrf_token": "forged" * 20, "login": "x", "password": "y"})
    assert response.status_code == 403


async def test_the_csrf_header_htmx_sends_is_accepted_in_place_of_the_form_field(client: httpx.AsyncClient) -> None:
    await sign_up(client, "henry")
    token = await csrf_token(client, "/profile")
    response = await client.post(
        "/profile/email", data={"email": "henry@example.net"}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 200 and "Your email address has been saved." in response.text
    assert "<html" not in response.text  # htmx gets the form fragment, not a page


async def test_sign_up_logs_in_with_a_session_cookie_that_scripts_cannot_read(client: httpx.AsyncClient) -> None:
    response = await post_form(
        client,
        "/signup",
        {"username": "iris", "email": "iris@example.com", "password": PASSWORD, "confirm_password": PASSWORD},
        page="/signup",
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("fp_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert (await client.get("/profile")).status_code == 200


async def test_session_cookies_are_secure_when_the_public_url_is_https(settings: Settings) -> None:
    async with panel_client(settings, base_url="https://panel.example", public_url="https://panel.example") as client:
        response = await post_form(
            client,
            "/signup",
            {"username": "jules", "email": "jules@example.com", "password": PASSWORD, "confirm_password": PASSWORD},
            page="/signup",
        )
        cookies = response.headers.get_list("set-cookie")
        assert all("Secure" in cookie for cookie in cookies if cookie.startswith(("fp_session=", "fp_csrf=")))
        assert any(cookie.startswith("fp_session=") for cookie in cookies)


async def test_pages_that_need_a_customer_send_visitors_to_log_in_and_back(client: httpx.AsyncClient) -> None:
    response = await client.get("/wallet?before=5")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/wallet%3Fbefore%3D5"
    await sign_up(client, "kim")
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/profile")})
    response = await post_form(client, "/login", {"login": "kim", "password": PASSWORD, "next": "/wallet?before=5"})
    assert response.status_code == 303 and response.headers["location"] == "/wallet?before=5"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
async def test_log_in_never_redirects_off_the_panel(client: httpx.AsyncClient, target: str) -> None:
    await sign_up(client, "leo")
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/profile")})
    response = await post_form(client, "/login", {"login": "leo", "password": PASSWORD, "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"


async def test_logging_out_ends_the_session_on_the_server(client: httpx.AsyncClient) -> None:
    await sign_up(client, "mia")
    session = client.cookies["fp_session"]
    response = await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/profile")})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    client.cookies.set("fp_session", session)  # replaying the old cookie does not bring the session back
    assert (await client.get("/profile")).status_code == 303


async def test_wrong_passwords_are_answered_with_the_limit_message(client: httpx.AsyncClient) -> None:
    await sign_up(client, "noah")
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/profile")})
    for _ in range(5):
        response = await log_in(client, "noah", "not the password")
        assert response.status_code == 400 and "Wrong username, email or password" in response.text
    response = await log_in(client, "noah", PASSWORD)
    assert response.status_code == 429 and "Too many attempts, try again in" in response.text
    assert int(response.headers["retry-after"]) >= 1


async def test_a_closed_panel_answers_sign_up_with_403(settings: Settings) -> None:
    async with panel_client(settings, signup="closed") as client:
        page = await client.get("/signup")
        assert page.status_code == 403 and "Sign-up is closed" in page.text
        response = await post_form(
            client,
            "/signup",
            {"username": "olga", "email": "o@example.com", "password": PASSWORD, "confirm_password": PASSWORD},
        )
        assert response.status_code == 403 and "Sign-up is closed" in response.text
        assert 'href="/signup"' not in (await client.get("/login")).text


async def test_a_sign_up_refusal_is_shown_next_to_the_form_with_the_input_kept(client: httpx.AsyncClient) -> None:
    response = await post_form(
        client,
        "/signup",
        {"username": "x", "email": "pat@example.com", "password": PASSWORD, "confirm_password": PASSWORD},
        page="/signup",
    )
    assert response.status_code == 422 and "Username must be 3 to 32 characters" in response.text
    assert 'value="pat@example.com"' in response.text and PASSWORD not in response.text


async def test_the_wallet_lists_the_ledger_newest_first_with_links_to_orders(
    client: httpx.AsyncClient, db: Database
) -> None:
    from flashpanel.wallet import ledger

    await sign_up(client, "quinn")
    customer_id = db.read_sync(service.customer_id_by_name, name="quinn")
    db.write_sync(service.top_up, name="quinn", amount=Decimal("15000"), note="bank transfer 42")
    for order_id in range(1, 31):
        db.write_sync(ledger.charge, customer_id=customer_id, amount_cents=1000, order_kind="smm", order_id=order_id)
    db.write_sync(ledger.refund, customer_id=customer_id, amount_cents=1000, order_kind="smm", order_id=30)

    first = (await client.get("/wallet")).text
    assert "₦14,710.00" in first  # 15,000 - 30 x 10 + 10
    rows = first.split('<td data-label="Date">')[1:]
    assert len(rows) == 20
    assert "Refund" in rows[0] and 'href="/orders/smm/30"' in rows[0] and "+₦10.00" in rows[0]
    assert 'href="/orders/smm/30"' in rows[1] and "\u2212₦10.00" in rows[1]
    assert "Older entries" in first and "Newer entries" not in first
    older = first.split('href="/wallet?before=')[1].split('"')[0]
    second = (await client.get(f"/wallet?before={older}")).text
    rows = second.split('<td data-label="Date">')[1:]
    assert len(rows) == 12 and "bank transfer 42" in rows[-1] and "+₦15,000.00" in rows[-1]
    assert "Newer entries" in second and "Older entries" not in second
    newer = second.split('href="/wallet?after=')[1].split('"')[0]
    fragment = await client.get(f"/wallet?after={newer}", headers={"HX-Request": "true"})
    assert fragment.text.startswith('<div id="ledger">') and fragment.text.count('<td data-label="Date">') == 20


async def test_add_funds_shows_the_operators_instructions_until_a_gateway_exists(settings: Settings) -> None:
    instructions = "Transfer to Example Bank 0000000000 and send the receipt to support@example.com"
    async with panel_client(settings, funding_instructions=instructions) as client:
        await sign_up(client, "rosa")
        page = (await client.get("/wallet/add")).text
        assert "<h1>Add funds</h1>" in page and instructions in page and "rosa" in page


async def test_money_is_shown_with_the_panel_symbol_and_thousands(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client, "sam")
    db.write_sync(service.top_up, name="sam", amount=Decimal("1234567.5"))
    page = (await client.get("/")).text
    assert "₦1,234,567.50" in page


async def test_templates_escape_what_customers_type(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client, "tom")
    db.write_sync(service.top_up, name="tom", amount=Decimal("1"), note="<script>alert(1)</script>")
    page = (await client.get("/wallet")).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
