"""The Add funds page: the amount and one button per configured gateway, the email asked first, the
pending row before the redirect, and the return pages, which verify rather than believe the query."""

from __future__ import annotations

from decimal import Decimal

import httpx

from flashpanel.config import Settings
from flashpanel.customers.service import create_customer
from flashpanel.db.runner import Database
from flashpanel.payments.topups import list_topups
from tests.payments.conftest import Fakes
from tests.web.support import csrf_token, panel_client, sign_up


async def pay(client: httpx.AsyncClient, amount: str, gateway: str) -> httpx.Response:
    token = await csrf_token(client, "/wallet/add")
    return await client.post("/wallet/add", data={"_csrf_token": token, "amount": amount, "gateway": gateway})


async def test_the_page_offers_one_button_per_configured_gateway(settings: Settings) -> None:
    async with panel_client(settings) as client:
        await sign_up(client, "lea")
        page = (await client.get("/wallet/add")).text
        assert "Pay with Paystack" in page and "Pay with Flutterwave" in page and "Submit transfer" in page
    async with panel_client(settings, flutterwave_secret_key=None, funding_instructions=None) as client:
        await sign_up(client, "lia")
        page = (await client.get("/wallet/add")).text
        assert "Pay with Paystack" in page and "Pay with Flutterwave" not in page and "Submit transfer" not in page


async def test_paying_creates_the_pending_top_up_before_sending_the_customer_to_the_gateway(
    client: httpx.AsyncClient, db: Database, fakes: Fakes
) -> None:
    await sign_up(client, "max")
    response = await pay(client, "2500.50", "flutterwave")
    assert response.status_code == 303
    [topup] = db.read_sync(list_topups)
    assert (topup.status, topup.gateway, topup.amount_cents, topup.gross_cents) == (
        "pending",
        "flutterwave",
        250_050,
        250_050,
    )
    assert response.headers["location"] == f"{fakes.flutterwave.base_url}/checkout/{topup.reference}"
    assert fakes.flutterwave.transactions[topup.reference].amount_minor == 250_050


async def test_a_fee_is_added_to_what_the_gateway_charges_and_the_wallet_gets_the_amount(
    settings: Settings, db: Database, fakes: Fakes
) -> None:
    async with panel_client(settings, topup_fee_percent=Decimal("1.5"), topup_fee_flat=Decimal("100")) as client:
        await sign_up(client, "ned")
        assert (await pay(client, "1000", "paystack")).status_code == 303
    [topup] = db.read_sync(list_topups)
    assert (topup.amount_cents, topup.gross_cents) == (100_000, 100_000 + 1_500 + 10_000)
    assert fakes.paystack.transactions[topup.reference].amount_minor == 111_500


async def test_amounts_outside_the_limits_and_unknown_gateways_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "oli")
    for amount, gateway in (("99.99", "paystack"), ("1000000.01", "paystack"), ("abc", "paystack"), ("500", "stripe")):
        response = await pay(client, amount, gateway)
        assert response.status_code == 422, (amount, gateway)
        assert 'role="alert"' in response.text
    assert db.read_sync(list_topups) == []


async def test_a_customer_without_an_email_is_asked_for_one_first(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client, "pia")
    db.write_sync(lambda conn: conn.execute("UPDATE customers SET email = NULL WHERE name = 'pia'"))
    page = (await client.get("/wallet/add")).text
    assert "add it first" in page and "Pay with Paystack" not in page
    refused = await pay(client, "500", "paystack")
    assert refused.status_code == 422 and "email" in refused.text.lower()
    token = await csrf_token(client, "/wallet/add")
    saved = await client.post("/wallet/email", data={"_csrf_token": token, "email": "pia@example.com"})
    assert saved.status_code == 303
    assert "Pay with Paystack" in (await client.get("/wallet/add")).text


async def test_the_return_page_never_credits_on_the_query_string(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client, "quin")
    await pay(client, "900", "paystack")
    [topup] = db.read_sync(list_topups)
    page = await client.get(f"/wallet/return/flutterwave?status=successful&tx_ref={topup.reference}")
    assert page.status_code == 404  # not a Flutterwave top-up
    page = await client.get(f"/wallet/return/paystack?reference={topup.reference}&status=success")
    assert page.status_code == 200 and "Payment pending" in page.text
    assert db.read_sync(list_topups)[0].status == "pending"


async def test_someone_elses_top_up_is_not_shown(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client, "ros")
    await pay(client, "900", "paystack")
    [topup] = db.read_sync(list_topups)
    db.write_sync(create_customer, name="sid", email="sid@example.com")
    db.write_sync(
        lambda conn: conn.execute("UPDATE topups SET customer_id = (SELECT id FROM customers WHERE name = 'sid')")
    )
    assert (await client.get(f"/wallet/return/paystack?reference={topup.reference}")).status_code == 404


async def test_webhooks_need_no_csrf_token_and_unknown_gateways_are_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/payments/stripe/webhook", content=b"{}")
    assert response.status_code == 404
    response = await client.post("/payments/paystack/webhook", content=b"{}")
    assert response.status_code == 401  # a signature problem, not a CSRF refusal (403)
