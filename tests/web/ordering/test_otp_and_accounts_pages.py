"""Buying numbers and accounts from the panel over HTTP: the forms, the order pages, refusals, refunds."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx

from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.db.runner import Database
from flashpanel.otp import catalog as otp_catalog
from flashpanel.wallet.ledger import balance_cents
from tests.web.ordering.conftest import Shopper
from tests.web.support import post_form

HTMX = {"HX-Request": "true"}


def demo_pair(db: Database, service: str = "Demo Chat") -> tuple[int, int]:
    """(country id, service id) of a demo OTP service in the first demo country."""
    country = db.read_sync(otp_catalog.active_countries)[0]
    offers = db.read_sync(otp_catalog.services_of_country, country_id=int(country["id"]), simulators=True)
    return int(country["id"]), next(o.service_id for o in offers if o.name == service)


def demo_product(db: Database) -> accounts_catalog.Product:
    return db.read_sync(accounts_catalog.list_products)[0]


async def test_the_number_form_lists_countries_and_services_with_price_and_availability(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    await shopper("otp-ana")
    page = (await client.get("/otp")).text
    assert page.count("<h1>") == 1 and "<h1>OTP numbers</h1>" in page
    assert '<label for="field-country">Country</label>' in page and '<label for="field-service">Service</label>' in page
    assert re.search(r"Demo Chat — ₦350\.00 — \d+ available", page)
    assert re.search(r'<button type="submit" class="button">.*Buy number</button>', page)
    country_id = int(db.read_sync(otp_catalog.active_countries)[1]["id"])
    fragment = await client.get(f"/otp?country={country_id}", headers=HTMX)
    assert (
        fragment.text.startswith('<form id="otp-form"') and f'<option value="{country_id}" selected>' in fragment.text
    )


async def test_a_bought_number_waits_for_its_code_and_cancel_refunds_it(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    ana = await shopper("otp-ben", balance="1000")
    country_id, service_id = demo_pair(db)
    bought = await post_form(client, "/otp", {"country": str(country_id), "service": str(service_id)}, page="/otp")
    assert bought.status_code == 303 and re.fullmatch(r"/orders/otp/\d+", bought.headers["location"])
    assert db.read_sync(balance_cents, customer_id=ana.customer_id) == 100_000 - 35_000
    page = (await client.get(bought.headers["location"])).text
    assert "Waiting for the code" in page and 'data-copy-from="phone-number"' in page
    assert 'hx-trigger="every 3s"' in page and "data-countdown-to=" in page
    status = await client.get(bought.headers["location"] + "/status", headers=HTMX)
    assert status.text.startswith('<section id="otp-status"')
    cancelled = await post_form(client, bought.headers["location"] + "/cancel", {}, page=bought.headers["location"])
    assert cancelled.status_code == 303
    after = (await client.get(bought.headers["location"])).text
    assert "Number cancelled; its price is back in your wallet." in after and "every 3s" not in after
    assert db.read_sync(balance_cents, customer_id=ana.customer_id) == 100_000


async def test_a_number_bought_without_the_balance_is_refused_beside_the_form(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    cy = await shopper("otp-cy", balance="100")
    country_id, service_id = demo_pair(db)
    refused = await post_form(client, "/otp", {"country": str(country_id), "service": str(service_id)}, page="/otp")
    assert (
        refused.status_code == 400 and '<p class="alert alert-error" role="alert">Insufficient balance' in refused.text
    )
    assert "<h1>OTP numbers</h1>" in refused.text
    unknown = await post_form(client, "/otp", {"country": str(country_id), "service": "999999"}, page="/otp")
    assert unknown.status_code == 422 and "Unknown service for this country" in unknown.text
    assert db.read_sync(balance_cents, customer_id=cy.customer_id) == 10_000


async def test_bought_accounts_are_shown_and_downloadable_from_the_orders_details(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    dee = await shopper("acc-dee", balance="10000")
    product = demo_product(db)
    page = (await client.get("/accounts")).text
    assert "<h1>Accounts</h1>" in page and f"{product.name} — " in page and f"{product.stock} in stock" in page
    for label in ("Category", "Product", "Quantity"):
        assert f">{label}</label>" in page
    bought = await post_form(client, "/accounts", {"product": str(product.id), "quantity": "2"}, page="/accounts")
    assert bought.status_code == 303
    details = (await client.get(bought.headers["location"])).text
    credentials = re.search(r'<textarea id="credentials"[^>]*>([^<]*)</textarea>', details)
    assert credentials and len(credentials.group(1).strip().splitlines()) == 2
    assert "Copy credentials" in details and "Download .txt" in details
    download = await client.get(bought.headers["location"] + "/credentials.txt")
    assert download.headers["content-type"].startswith("text/plain")
    assert "attachment" in download.headers["content-disposition"]
    assert download.text.strip() == credentials.group(1).strip()
    assert db.read_sync(balance_cents, customer_id=dee.customer_id) == 1_000_000 - 2 * product.price_cents


async def test_accounts_refusals_are_shown_beside_the_form_and_take_nothing(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    eli = await shopper("acc-eli", balance="1")
    product = demo_product(db)
    cases = [
        ("1", 400, "Insufficient balance"),
        (str(product.max_quantity + 1), 422, f"Quantity must be between {product.min_quantity} and"),
        ("many", 422, "Quantity must be a whole number"),
    ]
    for quantity, status, message in cases:
        refused = await post_form(
            client, "/accounts", {"product": str(product.id), "quantity": quantity}, page="/accounts"
        )
        assert refused.status_code == status and message in refused.text, (quantity, refused.text[:200])
        assert '<p class="alert alert-error" role="alert">' in refused.text
    db.write_sync(
        lambda conn: conn.execute("UPDATE account_products SET max_quantity = 1000 WHERE id = ?", (product.id,))
    )
    out_of_stock = await post_form(
        client, "/accounts", {"product": str(product.id), "quantity": str(product.stock + 1)}, page="/accounts"
    )
    assert out_of_stock.status_code == 422 and '<p class="alert alert-error" role="alert">Insufficient stock' in (
        out_of_stock.text
    )
    assert db.read_sync(balance_cents, customer_id=eli.customer_id) == 100
    assert demo_product(db).stock == product.stock


async def test_someone_elses_orders_are_not_found(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    await shopper("acc-fay", balance="10000")
    product = demo_product(db)
    bought = await post_form(client, "/accounts", {"product": str(product.id), "quantity": "1"}, page="/accounts")
    await post_form(client, "/logout", {}, page="/")
    await shopper("acc-gus")
    for path in (
        bought.headers["location"],
        bought.headers["location"] + "/credentials.txt",
        "/orders/smm/1",
        "/orders/otp/1",
        "/orders/smm/99999999999999999999",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
