"""The SMM domain, unchanged, fulfilling through the SMM v2 adapter and the fake panel over real HTTP:
import-from with a markup, submission at most once, a 500 retried, a partial refunding exactly the
remains, a terminal refusal refunding in full."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar

from flashpanel.db.runner import Database
from flashpanel.providers import catalog_sync, service
from flashpanel.providers.fakes import FakeSmmPanel
from flashpanel.providers.smm_v2 import SmmV2Provider
from flashpanel.smm.worker import submit_pending, sync_statuses
from tests.helpers import state_of


def _order(db: Database, order_id: int) -> dict[str, Any]:
    row = db.read_sync(lambda c: c.one("SELECT * FROM smm_orders WHERE id = ?", (order_id,)))
    assert row is not None
    return dict(row)


def _ledger(db: Database, order_id: int) -> list[tuple[str, int]]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT kind, amount_cents FROM ledger_entries WHERE order_kind = 'smm' AND order_id = ? ORDER BY id",
            (order_id,),
        )
    )
    return [(r["kind"], int(r["amount_cents"])) for r in rows]


def _make_due(db: Database) -> None:
    db.write_sync(lambda c: c.execute("UPDATE smm_orders SET next_check_at = 0 WHERE next_check_at IS NOT NULL"))


@pytest.fixture
async def catalog(
    app: Litestar, client: httpx.AsyncClient, db: Database, panel: FakeSmmPanel, panel_url: str
) -> dict[str, int]:
    """The fake panel added as a provider (USD at 1500 per dollar) and imported with a 20% markup;
    returns upstream service id -> local service id."""
    state = state_of(app)
    info = await db.write(service.add_provider, secrets=state.secrets, name="jap", kind="smm-v2", url=panel_url,
                          api_key=panel.api_key, exchange_rate=Decimal(1500))  # fmt: skip
    services = (await SmmV2Provider(panel_url, panel.api_key).services()).services
    await db.write(catalog_sync.import_services, provider_id=info.id, exchange_rate=info.exchange_rate,
                   services=services, markup_percent=Decimal(20))  # fmt: skip
    rows = db.read_sync(lambda c: c.all("SELECT id, upstream_service, rate_cents FROM smm_services"))
    assert {r["upstream_service"]: r["rate_cents"] for r in rows}["1"] == 162000  # 0.90 * 1500 * 1.2
    return {r["upstream_service"]: int(r["id"]) for r in rows}


async def _place(client: httpx.AsyncClient, key: str, service_id: int, link: str, quantity: int) -> int:
    response = await client.post(
        "/api/v1/smm/order", data={"key": key, "service": str(service_id), "link": link, "quantity": str(quantity)}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["data"]["order_id"])


async def test_an_order_goes_partial_and_refunds_exactly_the_remains_once(
    app: Litestar, client: httpx.AsyncClient, db: Database, panel: FakeSmmPanel, catalog: dict[str, int],
    make_customer: Callable[..., str],
) -> None:  # fmt: skip
    key = make_customer(balance="10000")
    order_id = await _place(client, key, catalog["1"], "https://insta.test/p1", 1000)  # 1620.00 charged
    state = state_of(app)
    panel.fail_next("500", action="add")
    assert await submit_pending(state) == 1
    assert _order(db, order_id)["status"] == "pending" and not panel.orders  # retried later
    _make_due(db)
    await submit_pending(state)
    row = _order(db, order_id)
    assert row["status"] == "processing" and panel.add_calls["https://insta.test/p1"] == 1
    upstream = int(row["upstream_order_id"])
    await submit_pending(state)  # nothing left to submit: never twice
    assert panel.add_calls["https://insta.test/p1"] == 1

    panel.progress(upstream, remains=600)
    _make_due(db)
    await sync_statuses(state)
    assert _order(db, order_id)["status"] == "in_progress"
    panel.partial(upstream, remains=250)
    for _ in range(2):  # a second sync of the same answer moves no money
        _make_due(db)
        await sync_statuses(state)
    assert _order(db, order_id)["status"] == "partial"
    assert _ledger(db, order_id) == [("charge", -162000), ("refund", 40500)]  # 1620.00 * 250 / 1000


async def test_a_terminal_refusal_refunds_in_full_once(
    app: Litestar, client: httpx.AsyncClient, db: Database, panel: FakeSmmPanel, catalog: dict[str, int],
    make_customer: Callable[..., str],
) -> None:  # fmt: skip
    key = make_customer(balance="10000")
    panel.configure(balance="0")  # not enough funds upstream: retryable for a while...
    panel.configure(services=[dict(s, service=99) if s["service"] == 2 else s for s in panel.services])
    order_id = await _place(client, key, catalog["2"], "https://insta.test/p2", 100)  # ...but service 2 vanished
    await submit_pending(state_of(app))
    assert _order(db, order_id)["status"] == "cancelled"
    charge = _ledger(db, order_id)[0][1]
    assert _ledger(db, order_id) == [("charge", charge), ("refund", -charge)]


async def test_an_upstream_cancel_refunds_in_full(
    app: Litestar, client: httpx.AsyncClient, db: Database, panel: FakeSmmPanel, catalog: dict[str, int],
    make_customer: Callable[..., str],
) -> None:  # fmt: skip
    key = make_customer(balance="10000")
    order_id = await _place(client, key, catalog["1"], "https://insta.test/p3", 100)
    await submit_pending(state_of(app))
    panel.cancel_order(int(_order(db, order_id)["upstream_order_id"]), refunded=True)
    _make_due(db)
    await sync_statuses(state_of(app))
    assert _order(db, order_id)["status"] == "cancelled"
    assert _ledger(db, order_id) == [("charge", -16200), ("refund", 16200)]


@pytest.mark.parametrize("remains", ["NaN", "33.5", "", "abc"])
async def test_a_partial_whose_remains_cannot_be_read_keeps_syncing_and_refunds_nothing(
    app: Litestar, client: httpx.AsyncClient, db: Database, panel: FakeSmmPanel, catalog: dict[str, int],
    make_customer: Callable[..., str], remains: str,
) -> None:  # fmt: skip
    key = make_customer(balance="10000")
    order_id = await _place(client, key, catalog["1"], "https://insta.test/p4", 1000)  # 1620.00 charged
    await submit_pending(state_of(app))
    upstream = int(_order(db, order_id)["upstream_order_id"])
    panel.set_status(upstream, "Partial")
    panel.orders[upstream].remains = remains  # type: ignore[assignment]  # the fake sends it as it is
    _make_due(db)
    await sync_statuses(state_of(app))
    row = _order(db, order_id)
    assert row["status"] == "processing" and "remains" in row["last_error"]
    assert _ledger(db, order_id) == [("charge", -162000)]
    panel.set_status(upstream, "Partial", remains=250)  # the upstream's next answer is readable
    _make_due(db)
    await sync_statuses(state_of(app))
    assert _order(db, order_id)["status"] == "partial"
    assert _ledger(db, order_id) == [("charge", -162000), ("refund", 40500)]
