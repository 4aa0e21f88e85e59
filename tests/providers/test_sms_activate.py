"""The SMS-Activate adapter against the fake handler_api over real HTTP: the activation lifecycle,
both error forms, and the transport faults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashpanel.providers.base import NoNumbersAvailable, ProviderError, Quote, SmsState
from flashpanel.providers.fakes import Clock, FakeSmsActivate
from flashpanel.providers.sms_activate import EarlyCancelDenied, SmsActivateProvider, error_for, parse_end_time

TG_RU = {"upstream_country": "0", "upstream_service": "tg"}


async def test_buy_uses_getnumberv2_and_keeps_the_upstream_end_time(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate, clock: Clock
) -> None:
    activation = await sms.buy_number(**TG_RU)
    assert activation.phone_number.startswith("79") and activation.cost == Decimal("0.50")
    assert activation.expires_at == clock() + 1200
    assert sms_fake.actions["getNumberV2"] == 1 and sms_fake.actions["getNumber"] == 0
    assert sms_fake.balance == Decimal("9.50")


async def test_without_an_end_time_the_domain_picks_the_expiry(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate
) -> None:
    sms_fake.configure(end_time=False)
    assert (await sms.buy_number(**TG_RU)).expires_at is None


async def test_falls_back_to_getnumber_when_v2_is_unknown(sms: SmsActivateProvider, sms_fake: FakeSmsActivate) -> None:
    sms_fake.configure(v2=False)
    first = await sms.buy_number(**TG_RU)
    second = await sms.buy_number(**TG_RU)
    assert first.activation_id != second.activation_id and first.expires_at is None
    assert sms_fake.actions["getNumberV2"] == 1 and sms_fake.actions["getNumber"] == 2
    assert len(sms_fake.activations) == 2


@pytest.mark.parametrize("style", ["plain", "json"])
async def test_no_numbers_is_its_own_error(sms: SmsActivateProvider, sms_fake: FakeSmsActivate, style: str) -> None:
    sms_fake.configure(error_style=style)
    sms_fake.set_stock("tg", "0", 0)
    with pytest.raises(NoNumbersAvailable):
        await sms.buy_number(**TG_RU)
    assert await sms.available(**TG_RU) == 0


@pytest.mark.parametrize("style", ["plain", "json"])
@pytest.mark.parametrize(
    ("arrange", "token"),
    [
        ({"balance": "0.10"}, "NO_BALANCE"),
        ({"api_key": "rotated"}, "BAD_KEY"),
        ({"banned_until": "2026-12-01 10:00:00"}, "BANNED"),
    ],
)
async def test_refusals_are_not_retryable_in_both_error_forms(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate, style: str, arrange: dict[str, str], token: str
) -> None:
    sms_fake.configure(error_style=style, **arrange)
    with pytest.raises(ProviderError) as caught:
        await sms.buy_number(**TG_RU)
    assert (caught.value.token, caught.value.retryable) == (token, False)
    assert not isinstance(caught.value, NoNumbersAvailable)


async def test_unknown_service_is_bad_service(sms: SmsActivateProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        await sms.buy_number(upstream_country="0", upstream_service="zz")
    assert (caught.value.token, caught.value.retryable) == ("BAD_SERVICE", False)


async def test_the_code_arrives_then_the_activation_is_finished(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate
) -> None:
    activation = await sms.buy_number(**TG_RU)
    assert await sms.check_sms(activation.activation_id) == SmsState(state="waiting")
    sms_fake.resend(activation.activation_id)
    assert await sms.check_sms(activation.activation_id) == SmsState(state="waiting")
    sms_fake.deliver_sms(activation.activation_id, "123456")
    assert await sms.check_sms(activation.activation_id) == SmsState(state="received", code="123456")
    await sms.request_another_sms(activation.activation_id)
    assert await sms.check_sms(activation.activation_id) == SmsState(state="received", code="123456")
    sms_fake.deliver_sms(activation.activation_id, "654321")
    assert await sms.check_sms(activation.activation_id) == SmsState(state="received", code="654321")
    await sms.finish(activation.activation_id)
    assert sms_fake.activations[int(activation.activation_id)].state == "finished"


async def test_cancel_releases_the_number_and_refunds_upstream(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate
) -> None:
    activation = await sms.buy_number(**TG_RU)
    await sms.cancel(activation.activation_id)
    assert await sms.check_sms(activation.activation_id) == SmsState(state="cancelled")
    assert sms_fake.balance == Decimal("10.00") and sms_fake.stock[("tg", "0")] == 100


@pytest.mark.parametrize("style", ["plain", "json"])
async def test_early_cancel_is_denied_then_allowed(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate, clock: Clock, style: str
) -> None:
    sms_fake.configure(early_cancel_seconds=120, error_style=style)
    activation = await sms.buy_number(**TG_RU)
    with pytest.raises(EarlyCancelDenied) as caught:
        await sms.cancel(activation.activation_id)
    assert caught.value.token == "EARLY_CANCEL_DENIED" and caught.value.retryable
    clock.advance(121)
    await sms.cancel(activation.activation_id)


async def test_an_expired_activation_reads_cancelled(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate, clock: Clock
) -> None:
    activation = await sms.buy_number(**TG_RU)
    clock.advance(1201)
    assert await sms.check_sms(activation.activation_id) == SmsState(state="cancelled")
    assert sms_fake.balance == Decimal("10.00")


async def test_cancel_after_the_code_is_refused(sms: SmsActivateProvider, sms_fake: FakeSmsActivate) -> None:
    activation = await sms.buy_number(**TG_RU)
    sms_fake.deliver_sms(activation.activation_id, "1111")
    with pytest.raises(ProviderError) as caught:
        await sms.cancel(activation.activation_id)
    assert (caught.value.token, caught.value.retryable) == ("BAD_STATUS", False)


@pytest.mark.parametrize("style", ["plain", "json"])
async def test_unknown_activation(sms: SmsActivateProvider, sms_fake: FakeSmsActivate, style: str) -> None:
    sms_fake.configure(error_style=style)
    with pytest.raises(ProviderError) as caught:
        await sms.check_sms("42")
    assert (caught.value.token, caught.value.retryable) == ("NO_ACTIVATION", False)


@pytest.mark.parametrize(
    ("fault", "token"), [("500", "HTTP_5XX"), ("html", "HTML"), ("empty", "EMPTY"), ("malformed", "MALFORMED")]
)
async def test_transport_faults_are_retryable(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate, fault: str, token: str
) -> None:
    sms_fake.fail_next(fault, action="getNumberV2")
    with pytest.raises(ProviderError) as caught:
        await sms.buy_number(**TG_RU)
    assert (caught.value.token, caught.value.retryable) == (token, True)
    assert not sms_fake.activations


async def test_error_sql_is_retryable(sms: SmsActivateProvider, sms_fake: FakeSmsActivate) -> None:
    sms_fake.fail_next("body", body="ERROR_SQL", action="getStatus")
    with pytest.raises(ProviderError) as caught:
        await sms.check_sms("1")
    assert (caught.value.token, caught.value.retryable) == ("ERROR_SQL", True)
    sms_fake.fail_next("body", status=500, body='{"title":"ERROR_SQL","details":"db down"}')
    with pytest.raises(ProviderError) as caught:
        await sms.balance()
    assert (caught.value.token, caught.value.retryable) == ("ERROR_SQL", True)


async def test_a_hanging_upstream_times_out_retryably(sms_fake: FakeSmsActivate, sms_url: str) -> None:
    sms_fake.fail_next("hang", seconds=0.5)
    with pytest.raises(ProviderError) as caught:
        await SmsActivateProvider(sms_url, sms_fake.api_key, timeout=0.05).balance()
    assert (caught.value.token, caught.value.retryable) == ("TIMEOUT", True)


async def test_available_balance_and_countries(sms: SmsActivateProvider, sms_fake: FakeSmsActivate) -> None:
    sms_fake.set_stock("wa", "187", 7)
    assert await sms.available(upstream_country="187", upstream_service="wa") == 7
    assert await sms.available(upstream_country="6", upstream_service="wa") == 0
    balance = await sms.balance()
    assert (balance.amount, balance.currency) == (Decimal("10.00"), "USD")
    countries = await sms.countries()
    assert countries["0"] == "Russia" and countries["187"] == "USA"


async def test_a_quote_gives_the_stock_and_the_price_of_one_number(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate
) -> None:
    sms_fake.set_stock("wa", "187", 7, cost="0.35")
    assert await sms.quote(upstream_country="187", upstream_service="wa") == Quote(count=7, cost=Decimal("0.35"))
    assert await sms.quote(upstream_country="6", upstream_service="wa") == Quote(count=0, cost=None)  # not listed


async def test_the_control_endpoint_drives_the_fake(sms: SmsActivateProvider, sms_url: str) -> None:
    import httpx

    control = sms_url.replace("/stubs/handler_api.php", "/_control")
    activation = await sms.buy_number(**TG_RU)
    async with httpx.AsyncClient() as client:
        answer = await client.post(control, json={"op": "deliver_sms", "activation": activation.activation_id,
                                                  "code": "777"})  # fmt: skip
        assert answer.json() == {"ok": True, "result": None}
        assert (await client.post(control, json={"op": "nope"})).status_code == 400
        snapshot = (await client.get(control)).json()
    assert snapshot["activations"][activation.activation_id] == "code"
    assert await sms.check_sms(activation.activation_id) == SmsState(state="received", code="777")


def test_error_tokens() -> None:
    assert isinstance(error_for("NO_NUMBERS"), NoNumbersAvailable)
    assert error_for("WRONG_MAX_PRICE:0.55").token == "WRONG_MAX_PRICE"
    assert error_for("SOMETHING_NEW").retryable is True
    assert error_for("<html>").token == "MALFORMED"


def test_end_times_are_believed_only_when_plausible() -> None:
    now = 1_800_000_000.0
    assert parse_end_time("2027-01-15 08:20:00", now=now) == now + 1200
    assert parse_end_time("2027-01-15T11:20:00+03:00", now=now) == now + 1200
    assert parse_end_time(now + 600, now=now) == now + 600
    assert parse_end_time("2027-01-15 11:20:00", now=now) is None  # Moscow time read as UTC: too far
    assert parse_end_time("2020-01-01 00:00:00", now=now) is None
    assert parse_end_time("soon", now=now) is None


@pytest.mark.parametrize("mode", ["exponent", "nan", "fractional", "overflow"])
async def test_a_hostile_count_is_malformed_for_that_pair(
    sms: SmsActivateProvider, sms_url: str, sms_fake: FakeSmsActivate, mode: str
) -> None:
    import httpx

    async with httpx.AsyncClient() as client:  # as an operator reproduces it, through the control endpoint
        control = sms_url.replace("/stubs/handler_api.php", "/_control")
        assert (await client.post(control, json={"op": "hostile", "mode": mode})).json()["ok"]
    with pytest.raises(ProviderError) as raised:
        await sms.available(**TG_RU)
    assert raised.value.token == "MALFORMED" and raised.value.retryable


async def test_hostile_costs_and_end_times_are_dropped_and_the_number_kept(
    sms: SmsActivateProvider, sms_fake: FakeSmsActivate
) -> None:
    for mode in ("exponent", "nan", "overflow"):
        sms_fake.hostile(mode)
        activation = await sms.buy_number(**TG_RU)
        assert activation.phone_number and activation.cost is None and activation.expires_at is None
    sms_fake.hostile("negative")
    assert await sms.available(**TG_RU) == 0  # a negative count is no numbers
    sms_fake.hostile("html")
    with pytest.raises(ProviderError) as raised:
        await sms.balance()
    assert raised.value.token == "HTML" and raised.value.retryable
    sms_fake.hostile(None)
    assert await sms.available(**TG_RU) == 100 - 3
