"""The fakes' own behaviour that operators rely on (`flashpanel dev fake-upstream`): orders and codes
that move with the clock, the key in a header, GET requests, the control endpoint."""

from __future__ import annotations

import httpx

from flashpanel.providers.base import SmmProgress, SmsState
from flashpanel.providers.fakes import Clock, FakeSmmPanel, FakeSmsActivate
from flashpanel.providers.smm_v2 import SmmV2Provider
from flashpanel.providers.sms_activate import SmsActivateProvider


async def test_orders_progress_and_complete_with_the_clock(
    smm: SmmV2Provider, panel: FakeSmmPanel, clock: Clock
) -> None:
    panel.configure(auto_complete_after=60)
    order = (await smm.submit(upstream_service="1", link="https://x.test/auto", quantity=1000)).upstream_order_id
    clock.advance(15)
    progress = (await smm.fetch_progress([order]))[order]
    assert isinstance(progress, SmmProgress) and (progress.status, progress.remains) == ("in_progress", 750)
    clock.advance(45)
    progress = (await smm.fetch_progress([order]))[order]
    assert isinstance(progress, SmmProgress) and (progress.status, progress.remains) == ("completed", 0)


async def test_codes_arrive_with_the_clock(sms: SmsActivateProvider, sms_fake: FakeSmsActivate, clock: Clock) -> None:
    sms_fake.configure(auto_sms_after=20)
    activation = await sms.buy_number(upstream_country="0", upstream_service="tg")
    assert (await sms.check_sms(activation.activation_id)).state == "waiting"
    clock.advance(20)
    state = await sms.check_sms(activation.activation_id)
    assert state.state == "received" and state.code is not None and len(state.code) == 6
    assert await sms.check_sms(activation.activation_id) == SmsState(state="received", code=state.code)


async def test_the_panel_takes_the_key_as_a_header_and_answers_get(panel: FakeSmmPanel, panel_url: str) -> None:
    async with httpx.AsyncClient() as client:
        by_header = await client.post(panel_url, data={"action": "balance"}, headers={"X-Api-Key": panel.api_key})
        by_get = await client.get(panel_url, params={"key": panel.api_key, "action": "balance"})
        wrong = await client.post(panel_url, data={"key": "nope", "action": "balance"})
    assert by_header.json() == by_get.json() == {"balance": "100.00000", "currency": "USD"}
    assert wrong.status_code == 200 and wrong.json() == {"error": "Invalid API key"}


async def test_control_endpoint_moves_smm_orders(smm: SmmV2Provider, panel: FakeSmmPanel, panel_url: str) -> None:
    order = (await smm.submit(upstream_service="1", link="https://x.test/c", quantity=100)).upstream_order_id
    control = panel_url.replace("/api/v2", "/_control")
    async with httpx.AsyncClient() as client:
        assert (
            await client.post(control, json={"op": "partial", "order": int(order), "remains": 30})
        ).status_code == 200
        assert (await client.post(control, json={"op": "fail_next", "kind": "bogus"})).status_code == 400
        snapshot = (await client.get(control)).json()
    assert snapshot["add_calls"] == {"https://x.test/c": 1} and snapshot["orders"][order]["status"] == "Partial"
    progress = (await smm.fetch_progress([order]))[order]
    assert isinstance(progress, SmmProgress) and (progress.status, progress.remains) == ("partial", 30)


async def test_wrong_max_price(sms_fake: FakeSmsActivate, sms_url: str) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.get(sms_url, params={"api_key": sms_fake.api_key, "action": "getNumber", "service": "tg",
                                                   "country": "0", "maxPrice": "0.10"})  # fmt: skip
    assert answer.text == "WRONG_MAX_PRICE:0.50"
