"""Order history over HTTP: tabs, status filter, link search, pages; an SMM order's Cancel, Refill and
"Order again"; the average completion time on the order form."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable

import httpx

from flashpanel.db.runner import Conn, Database
from flashpanel.smm import shop
from flashpanel.smm.lifecycle import apply_transition
from flashpanel.wallet.ledger import balance_cents
from tests.web.ordering.conftest import Shopper
from tests.web.support import post_form


def offer(db: Database, name: str) -> shop.Offer:
    return next(o for o in db.read_sync(shop.offers, simulators=True) if o.name == name)


async def place(client: httpx.AsyncClient, service_id: int, link: str, quantity: int = 100) -> int:
    placed = await post_form(
        client, "/smm", {"service": str(service_id), "link": link, "quantity": str(quantity)}, page="/smm"
    )
    assert placed.status_code == 303, placed.text[:300]
    return int(placed.headers["location"].rsplit("/", 1)[1])


def complete(db: Database, order_id: int, *, took: float | None = None) -> None:
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="completed")
    if took is not None:
        db.write_sync(_backdate, order_id=order_id, took=took)


def _backdate(conn: Conn, *, order_id: int, took: float) -> None:
    conn.execute("UPDATE smm_orders SET created_at = completed_at - ? WHERE id = ?", (took, order_id))


def order_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/orders/smm/(\d+)">', page)]


async def test_smm_history_is_paged_newest_first_filtered_by_status_and_searched_by_link(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    await shopper("hist-ana", balance="10000")
    likes = offer(db, "Demo Likes")
    ids = [
        await place(client, likes.id, f"https://social.example/{'cats' if n % 2 else 'dogs'}/{n}") for n in range(23)
    ]
    complete(db, ids[0])
    first = (await client.get("/orders?tab=smm")).text
    assert order_ids(first) == ids[::-1][:20] and "Page 1 of 2" in first and "Older orders" in first
    second = (await client.get("/orders?tab=smm&page=2")).text
    assert order_ids(second) == ids[2::-1]
    done = (await client.get("/orders?tab=smm&status=completed")).text
    assert order_ids(done) == [ids[0]]
    cats = (await client.get("/orders?tab=smm&q=CATS")).text
    assert order_ids(cats) == [i for n, i in enumerate(ids) if n % 2][::-1]
    nothing = (await client.get("/orders?tab=smm&q=100%25")).text  # a % in the search is a character, not a wildcard
    assert order_ids(nothing) == [] and "No orders match this filter" in nothing


async def test_the_otp_and_accounts_tabs_list_their_own_orders(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    await shopper("hist-ben", balance="10000")
    from flashpanel.accounts import catalog

    product = db.read_sync(catalog.list_products)[0]
    await post_form(client, "/accounts", {"product": str(product.id), "quantity": "1"}, page="/accounts")
    accounts_tab = (await client.get("/orders?tab=accounts")).text
    assert product.name in accounts_tab and re.search(r'href="/orders/accounts/\d+"', accounts_tab)
    otp_tab = (await client.get("/orders?tab=otp&status=waiting")).text
    assert '<option value="waiting" selected>' in otp_tab and "No orders match this filter" in otp_tab
    for tab in ("SMM", "OTP", "Accounts"):
        assert re.search(rf'<a href="/orders\?tab=\w+"( aria-current="page")?>{tab}</a>', otp_tab)


async def test_cancelling_a_pending_order_refunds_it_through_the_api_rule(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    cy = await shopper("hist-cy", balance="1000")
    followers = offer(db, "Demo Followers")
    order_id = await place(client, followers.id, "https://social.example/cy", 1000)
    detail = (await client.get(f"/orders/smm/{order_id}")).text
    assert re.search(r'<button type="submit" class="button button-secondary">Cancel</button>', detail)
    assert 'hx-trigger="every 5s"' in detail  # an open order refreshes itself
    assert 'hx-trigger="every 5s"' in (await client.get("/orders?tab=smm")).text
    cancelled = await post_form(client, f"/orders/smm/{order_id}/cancel", {}, page=f"/orders/smm/{order_id}")
    assert cancelled.status_code == 303
    after = (await client.get(f"/orders/smm/{order_id}")).text
    assert "Cancelled" in after and ">Cancel</button>" not in after and "every 5s" not in after
    assert "every 5s" not in (await client.get("/orders?tab=smm")).text
    assert db.read_sync(balance_cents, customer_id=cy.customer_id) == 100_000
    again = await post_form(client, f"/orders/smm/{order_id}/cancel", {}, page=f"/orders/smm/{order_id}")
    assert "This order cannot be canceled" in (await client.get(again.headers["location"])).text
    assert db.read_sync(balance_cents, customer_id=cy.customer_id) == 100_000


async def test_a_completed_order_of_a_refill_service_can_be_refilled(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    await shopper("hist-dee", balance="1000")
    likes = offer(db, "Demo Likes")
    db.write_sync(lambda conn: conn.execute("UPDATE smm_services SET refill = ? WHERE id = ?", (True, likes.id)))
    order_id = await place(client, likes.id, "https://social.example/dee")
    assert ">Refill</button>" not in (await client.get(f"/orders/smm/{order_id}")).text  # not completed yet
    complete(db, order_id)
    detail = (await client.get(f"/orders/smm/{order_id}")).text
    assert ">Refill</button>" in detail and ">Cancel</button>" not in detail
    refilled = await post_form(client, f"/orders/smm/{order_id}/refill", {}, page=f"/orders/smm/{order_id}")
    assert re.search(r"Refill #\d+ requested\.", (await client.get(refilled.headers["location"])).text)


async def test_order_again_fills_the_form_with_the_same_service_link_and_quantity(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    await shopper("hist-eve", balance="1000")
    views = offer(db, "Demo Video Views")
    order_id = await place(client, views.id, "https://video.example/watch?v=1&t=2", 700)
    detail = (await client.get(f"/orders/smm/{order_id}")).text
    again = re.search(r'<a class="button" href="([^"]+)">.*Order again</a>', detail)
    assert again
    form = (await client.get(html.unescape(again.group(1)))).text
    assert f'<option value="{views.id}" selected>' in form
    assert 'value="https://video.example/watch?v=1&amp;t=2"' in form and 'value="700"' in form


async def test_the_form_shows_the_mean_of_the_last_ten_completions_once_three_exist(
    client: httpx.AsyncClient, shopper: Callable[..., Awaitable[Shopper]], db: Database
) -> None:
    await shopper("hist-fay", balance="1000")
    likes = offer(db, "Demo Likes")
    ids = [await place(client, likes.id, f"https://social.example/{n}", 50) for n in range(12)]
    complete(db, ids[0], took=600)
    complete(db, ids[1], took=600)
    assert "not enough data" in (await client.get(f"/smm?service={likes.id}")).text
    complete(db, ids[2], took=1200)
    assert "<dd>13 min</dd>" in (await client.get(f"/smm?service={likes.id}")).text  # (10 + 10 + 20) / 3 min
    for order_id in ids[3:]:  # nine more, 60 s each: the first two drop out of the last ten
        complete(db, order_id, took=60)
    assert "<dd>3 min</dd>" in (await client.get(f"/smm?service={likes.id}")).text  # (1200 + 9 x 60) / 10 s
