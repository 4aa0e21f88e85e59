"""A hostile upstream, through the domains over real HTTP: the fakes' hostile modes send huge exponents,
NaN, negative and fractional numbers, 64-bit overflows and HTML pages. Money stays exact, no order is
stuck in a traceback loop (every bad answer is recorded on its order and retried), and everything
completes once the upstream answers sanely again. The end-to-end check that the API keeps answering
during such polls is tests/e2e/test_hostile_upstream.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from litestar import Litestar

from flashpanel.db.runner import Conn, Database
from flashpanel.otp import catalog as otp_catalog
from flashpanel.providers import catalog_sync, service
from flashpanel.providers.fakes import FakeSmmPanel, FakeSmsActivate
from flashpanel.providers.fakes.server import HOSTILE_MODES
from flashpanel.providers.smm_v2 import SmmV2Provider
from flashpanel.smm.worker import submit_pending, sync_statuses
from tests.helpers import assert_error, state_of
from tests.providers.test_through_the_domains import _ledger, _make_due, _order, _place
from tests.smm.support import balance_of

CHARGE = 162000  # 1000 of upstream service 1: 0.90 USD * 1500 * 1.2 per 1000


@pytest.fixture
async def catalog(app: Litestar, client: httpx.AsyncClient, db: Database, panel: FakeSmmPanel, panel_url: str) -> int:
    """The fake panel as provider "jap" (1500 per dollar), its service 1 imported with a 20% markup."""
    state = state_of(app)
    info = await db.write(service.add_provider, secrets=state.secrets, name="jap", kind="smm-v2", url=panel_url,
                          api_key=panel.api_key, exchange_rate=Decimal(1500))  # fmt: skip
    adapter = service.adapter_for(db.read_sync(service.provider_row, name="jap"), state.secrets)
    assert isinstance(adapter, SmmV2Provider)
    listing = await adapter.services()
    await db.write(catalog_sync.import_services, provider_id=info.id, exchange_rate=info.exchange_rate,
                   services=listing.services, markup_percent=Decimal(20), category="Instagram")  # fmt: skip
    return int(db.read_sync(lambda c: c.scalar("SELECT id FROM smm_services WHERE upstream_service = '1'")))


async def test_hostile_status_replies_move_no_money_and_leave_no_traceback_loop(
    app: Litestar,
    client: httpx.AsyncClient,
    db: Database,
    panel: FakeSmmPanel,
    catalog: int,
    make_customer: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = make_customer(balance="10000")
    orders = [await _place(client, key, catalog, f"https://insta.test/{n}", 1000) for n in range(3)]
    state = state_of(app)
    await submit_pending(state)
    charged = balance_of(db, key)
    assert charged == 1_000_000 - 3 * CHARGE
    for mode in HOSTILE_MODES:
        panel.hostile(mode)
        _make_due(db)
        caplog.clear()
        with caplog.at_level(logging.INFO):
            await sync_statuses(state)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], mode
        for order_id in orders:
            row = _order(db, order_id)
            assert row["status"] == "processing", (mode, row)
            assert "malformed" in row["last_error"].lower() or "html" in row["last_error"].lower(), (mode, row)
            assert row["next_check_at"] > time.time()  # retried later, like any upstream error
        assert balance_of(db, key) == charged and all(_ledger(db, o) == [("charge", -CHARGE)] for o in orders)

    panel.hostile(None)
    partial, completed, cancelled = (int(_order(db, o)["upstream_order_id"]) for o in orders)
    panel.partial(partial, remains=250)
    panel.complete(completed)
    panel.cancel_order(cancelled)
    _make_due(db)
    await sync_statuses(state)
    assert [_order(db, o)["status"] for o in orders] == ["partial", "completed", "cancelled"]
    assert [_ledger(db, o) for o in orders] == [
        [("charge", -CHARGE), ("refund", CHARGE // 4)],
        [("charge", -CHARGE)],
        [("charge", -CHARGE), ("refund", CHARGE)],
    ]
    assert balance_of(db, key) == charged + CHARGE // 4 + CHARGE


def _otp_pair(conn: Conn) -> tuple[int, int]:
    country = otp_catalog.add_country(conn, name="Testland", code="TL")
    chat = otp_catalog.add_service(conn, country="TL", name="Chat", code="tg", price=Decimal("350"))
    otp_catalog.map_provider(
        conn, service_id=chat, provider="hero", upstream_country="0", upstream_service="tg", priority=0
    )
    return country, chat


async def test_hostile_number_provider_figures_never_break_the_catalog_or_cost_the_customer(
    app: Litestar,
    client: httpx.AsyncClient,
    db: Database,
    sms_fake: FakeSmsActivate,
    sms_url: str,
    make_customer: Callable[..., str],
) -> None:
    state = state_of(app)
    await db.write(service.add_provider, secrets=state.secrets, name="hero", kind="sms-activate", url=sms_url,
                   api_key=sms_fake.api_key)  # fmt: skip
    country, chat = db.write_sync(_otp_pair)
    key = make_customer(balance="1000")
    sms_fake.hostile("exponent")  # count, cost and end time all "1e300000"
    listed = await client.get("/api/v1/otp/services", params={"key": key, "country": country})
    assert listed.status_code == 200 and [(s["service_id"], s["available"]) for s in listed.json()["data"]] == [
        (chat, 0)
    ]
    bought = await client.post("/api/v1/otp/purchase", params={"key": key}, json={"country": country, "service": chat})
    assert bought.status_code == 200, bought.text  # the number is good; the unreadable cost and end time are not used
    assert balance_of(db, key) == 100000 - 35000
    sms_fake.hostile("html")
    failed = await client.post("/api/v1/otp/purchase", params={"key": key}, json={"country": country, "service": chat})
    assert_error(failed, 503, "Number provider unavailable")
    assert balance_of(db, key) == 100000 - 35000  # charged and refunded in the same request
