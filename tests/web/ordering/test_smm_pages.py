"""The SMM ordering pages over HTTP: the form, the server-computed Total, placing, refusals, mass orders."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from flashpanel.db.runner import Database
from flashpanel.smm import shop
from flashpanel.wallet.ledger import balance_cents
from tests.web.ordering.conftest import Shopper
from tests.web.support import post_form

HTMX = {"HX-Request": "true"}


def demo_offer(db: Database, name: str) -> shop.Offer:
    return next(o for o in db.read_sync(shop.offers, simulators=True) if o.name == name)


async def order(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    return await post_form(client, "/smm", fields, page="/smm")


async def test_the_order_form_lists_categories_and_the_chosen_services_terms(
    client: httpx.AsyncClient, shopper: Callable[..., Any], db: Database
) -> None:
    await shopper("smm-ana")
    likes = demo_offer(db, "Demo Likes")
    page = (await client.get(f"/smm?service={likes.id}")).text
    assert page.count("<h1>") == 1 and "<h1>SMM services</h1>" in page
    for label in ("Category", "Service", "Link", "Quantity", "Total"):
        assert re.search(rf"<label for=\"[^\"]+\">{label}</label>", page), label
    assert '<option value="Demo Social" selected>' in page and '<option value="Demo Video">' in page
    assert "₦200.00" in page and ">50<" in page and ">20,000<" in page  # rate per 1,000, min, max
    assert "Simulated likes for a post" in page and "not enough data" in page
    assert re.search(r'<button type="submit" class="button">.*Place order</button>', page)


async def test_choosing_another_category_redraws_the_form_with_its_services(
    client: httpx.AsyncClient, shopper: Callable[..., Any]
) -> None:
    await shopper("smm-ben")
    fragment = await client.get("/smm?category=Demo+Video&link=https://x.example/a&quantity=900", headers=HTMX)
    assert fragment.text.startswith('<form id="smm-form"')
    assert "Demo Video Views" in fragment.text and "Demo Followers" not in fragment.text
    assert 'value="https://x.example/a"' in fragment.text and 'value="900"' in fragment.text


async def test_the_total_is_priced_on_the_server_as_the_customer_types(
    client: httpx.AsyncClient, shopper: Callable[..., Any], db: Database
) -> None:
    await shopper("smm-cy")
    followers = demo_offer(db, "Demo Followers")  # ₦500.00 per 1,000, 100 to 10,000
    total = await client.get(f"/smm/total?service={followers.id}&quantity=1500", headers=HTMX)
    assert total.text.startswith('<div class="field total" id="smm-total">') and "₦750.00" in total.text
    too_few = await client.get(f"/smm/total?service={followers.id}&quantity=5", headers=HTMX)
    assert "Quantity must be between 100 and 10000" in too_few.text and "₦" not in too_few.text


async def test_placing_an_order_charges_once_and_shows_it(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    ana = await shopper("smm-dee", balance="5000")
    followers = demo_offer(db, "Demo Followers")
    placed = await order(client, service=str(followers.id), link="https://social.example/dee", quantity="1000")
    assert placed.status_code == 303
    target = placed.headers["location"]
    assert re.fullmatch(r"/orders/smm/\d+", target)
    assert db.read_sync(balance_cents, customer_id=ana.customer_id) == 500_000 - 50_000
    detail = (await client.get(target)).text
    assert "https://social.example/dee" in detail and "₦500.00" in detail and "Pending" in detail


async def test_every_refusal_is_shown_beside_the_form_and_charges_nothing(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    poor = await shopper("smm-eli", balance="100")
    followers = demo_offer(db, "Demo Followers")
    cases = [
        ({"quantity": "5"}, 422, "Quantity must be between 100 and 10000"),
        ({"quantity": "1000"}, 400, "Insufficient balance"),
        ({"quantity": "lots"}, 422, "Quantity must be a whole number"),
        ({"quantity": "1000", "link": "not a link"}, 422, "Invalid link"),
        ({"quantity": "100", "service": "999999"}, 422, "Unknown or disabled service: 999999"),
    ]
    for changes, status, message in cases:
        fields = {"service": str(followers.id), "link": "https://social.example/eli", **changes}
        refused = await order(client, **fields)
        assert refused.status_code == status, (changes, refused.text[:300])
        assert re.search(rf'<p class="alert alert-error" role="alert">{re.escape(message)}', refused.text), message
        assert "<h1>SMM services</h1>" in refused.text
    assert db.read_sync(balance_cents, customer_id=poor.customer_id) == 10_000


async def test_web_orders_are_not_counted_against_the_api_keys_rate_limit(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    fred = await shopper("smm-fred", balance="5000")
    followers = demo_offer(db, "Demo Followers")
    for _ in range(12):  # the default orders limit is 10 a minute per key
        placed = await order(client, service=str(followers.id), link="https://social.example/f", quantity="100")
        assert placed.status_code == 303
    api = await client.get("/api/v1/balance", params={"key": fred.key})
    assert api.status_code == 200 and api.json()["data"]["balance"] == "4400.00"


async def test_a_mass_order_places_the_good_lines_and_reports_the_bad_ones(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    gia = await shopper("smm-gia", balance="1000")
    followers, likes = demo_offer(db, "Demo Followers"), demo_offer(db, "Demo Likes")
    lines = "\n".join(
        [
            f"{followers.id}|https://social.example/one|1000",
            "not an order",
            "",
            f"{likes.id} | https://social.example/two | 50",
            f"{followers.id}|https://social.example/three|1",
            f"{followers.id}|https://social.example/four|2000",  # more than the balance left
        ]
    )
    result = await post_form(client, "/smm/mass", {"orders": lines}, page="/smm/mass")
    assert result.status_code == 200
    rows = result.text.split('<td data-label="Line">')[1:]
    assert len(rows) == 5  # the blank line is skipped
    assert "#" in rows[0] and "Placed" in rows[0] and "₦500.00" in rows[0]
    assert "Write the line as service_id|link|quantity" in rows[1]
    assert "Placed" in rows[2] and "₦10.00" in rows[2]
    assert "Quantity must be between 100 and 10000" in rows[3]
    assert "Insufficient balance" in rows[4]
    assert "2 of 5 orders placed · ₦510.00 charged" in result.text
    assert db.read_sync(balance_cents, customer_id=gia.customer_id) == 100_000 - 51_000


async def test_a_mass_order_of_more_than_100_lines_places_nothing(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    hal = await shopper("smm-hal", balance="5000")
    likes = demo_offer(db, "Demo Likes")
    lines = "\n".join(f"{likes.id}|https://social.example/{n}|50" for n in range(101))
    refused = await post_form(client, "/smm/mass", {"orders": lines}, page="/smm/mass")
    assert refused.status_code == 422 and "At most 100 orders at a time (101 lines given)" in refused.text
    assert db.read_sync(balance_cents, customer_id=hal.customer_id) == 500_000


async def test_a_drip_feed_service_takes_runs_and_an_interval_and_prices_every_run(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    ivy = await shopper("smm-ivy", balance="5000")
    followers, likes = demo_offer(db, "Demo Followers"), demo_offer(db, "Demo Likes")
    db.write_sync(lambda conn: conn.execute("UPDATE smm_services SET dripfeed = ? WHERE id = ?", (True, followers.id)))
    form = (await client.get(f"/smm?service={followers.id}")).text
    assert "<legend>Drip-feed (optional)</legend>" in form
    assert (
        '<label for="field-runs">Runs</label>' in form
        and '<label for="field-interval">Interval (minutes)</label>' in form
    )
    assert "<legend>Drip-feed" not in (await client.get(f"/smm?service={likes.id}")).text
    total = await client.get(f"/smm/total?service={followers.id}&quantity=200&runs=3", headers=HTMX)
    assert "₦300.00" in total.text  # 3 runs of 200 at ₦500.00 per 1,000
    placed = await order(
        client, service=str(followers.id), link="https://social.example/ivy", quantity="200", runs="3", interval="10"
    )
    assert placed.status_code == 303
    detail = (await client.get(placed.headers["location"])).text
    assert "600 (3 runs, 10 min apart)" in detail and "₦300.00" in detail
    again = re.search(r'href="(/smm\?service=[^"]+)"', detail)
    assert again and "quantity=200&runs=3&interval=10" in again.group(1)
    refused = await order(
        client, service=str(likes.id), link="https://social.example/ivy", quantity="100", runs="3", interval="10"
    )
    assert refused.status_code == 422 and "Drip-feed is not available for this service" in refused.text
    assert db.read_sync(balance_cents, customer_id=ivy.customer_id) == 500_000 - 30_000
