"""The SMM API v2 adapter against the fake panel over real HTTP: every action, quirk and error form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from flashpanel.providers.base import ProviderError, SmmProgress
from flashpanel.providers.fakes import FakeSmmPanel
from flashpanel.providers.smm_v2 import SmmV2Provider, classify_error, map_status, parse_progress


async def test_services_are_read_leniently_with_full_precision_rates(smm: SmmV2Provider) -> None:
    services = {s.service: s for s in (await smm.services()).services}
    assert set(services) == {"1", "2", "3"}
    assert services["2"].rate == Decimal("0.27819")
    assert services["3"].rate == Decimal("1.5") and services["3"].min == 100 and services["3"].max == 100000
    assert services["1"].refill and services["1"].cancel and not services["2"].refill
    assert services["3"].refill and not services["3"].cancel and services["3"].dripfeed
    assert services["1"].category == "Instagram" and services["1"].type == "Default"


async def test_submit_returns_the_upstream_order_id_and_is_counted(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    submission = await smm.submit(upstream_service="1", link="https://x.test/a", quantity=100)
    assert submission.upstream_order_id == "1000"
    assert panel.add_calls["https://x.test/a"] == 1
    assert panel.balance == Decimal("100") - Decimal("0.09")


async def test_submit_accepts_the_success_wrapper_variant(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    panel.configure(success_wrapper=True)
    submission = await smm.submit(upstream_service="2", link="https://x.test/b", quantity=10)
    assert submission.upstream_order_id == "1000"


async def test_drip_feed_sends_runs_and_interval(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    submission = await smm.submit(upstream_service="3", link="https://y.test/v", quantity=100, runs=5, interval=30)
    assert panel.orders[int(submission.upstream_order_id)].quantity == 500


@pytest.mark.parametrize("error_status", [200, 400])
@pytest.mark.parametrize(
    ("kwargs", "token", "retryable"),
    [
        ({"upstream_service": "999", "link": "https://x.test", "quantity": 100}, "BAD_SERVICE", False),
        ({"upstream_service": "1", "link": "not a link", "quantity": 100}, "BAD_LINK", False),
        ({"upstream_service": "1", "link": "https://x.test", "quantity": 5}, "BAD_QUANTITY", False),
        ({"upstream_service": "1", "link": "https://x.test", "quantity": 10000 + 1}, "BAD_QUANTITY", False),
    ],
)
async def test_refusals_are_terminal_with_http_200_or_4xx(
    smm: SmmV2Provider, panel: FakeSmmPanel, error_status: int, kwargs: dict[str, Any], token: str, retryable: bool
) -> None:
    panel.configure(error_status=error_status)
    with pytest.raises(ProviderError) as caught:
        await smm.submit(**kwargs)
    assert (caught.value.token, caught.value.retryable) == (token, retryable)
    assert not panel.orders


async def test_not_enough_funds_is_retryable_so_the_outbox_backs_off(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    panel.configure(balance="0.01")
    with pytest.raises(ProviderError) as caught:
        await smm.submit(upstream_service="1", link="https://x.test", quantity=1000)
    assert (caught.value.token, caught.value.retryable) == ("NO_FUNDS", True)


async def test_bad_key_is_terminal(panel: FakeSmmPanel, panel_url: str) -> None:
    with pytest.raises(ProviderError) as caught:
        await SmmV2Provider(panel_url, "wrong").balance()
    assert (caught.value.token, caught.value.retryable) == ("BAD_KEY", False)
    panel.configure(error_status=401)
    with pytest.raises(ProviderError) as caught:
        await SmmV2Provider(panel_url, "wrong").balance()
    assert (caught.value.token, caught.value.retryable) == ("BAD_KEY", False)


@pytest.mark.parametrize(
    ("fault", "token"), [("500", "HTTP_5XX"), ("html", "HTML"), ("empty", "EMPTY"), ("malformed", "MALFORMED")]
)
async def test_transport_faults_are_retryable_and_create_nothing(
    smm: SmmV2Provider, panel: FakeSmmPanel, fault: str, token: str
) -> None:
    panel.fail_next(fault, action="add")
    with pytest.raises(ProviderError) as caught:
        await smm.submit(upstream_service="1", link="https://x.test", quantity=100)
    assert (caught.value.token, caught.value.retryable) == (token, True)
    assert not panel.orders
    # ...and the next attempt goes through
    assert (await smm.submit(upstream_service="1", link="https://x.test", quantity=100)).upstream_order_id


async def test_a_slow_answer_times_out_retryably(panel: FakeSmmPanel, panel_url: str) -> None:
    panel.fail_next("slow", action="add", seconds=1.0)
    with pytest.raises(ProviderError) as caught:
        await SmmV2Provider(panel_url, panel.api_key, timeout=0.1).submit(
            upstream_service="1", link="https://x.test", quantity=100
        )
    assert (caught.value.token, caught.value.retryable) == ("TIMEOUT", True)


async def test_an_unreachable_upstream_is_retryable() -> None:
    with pytest.raises(ProviderError) as caught:
        await SmmV2Provider("http://127.0.0.1:9/api/v2", "k", timeout=1).balance()
    assert (caught.value.token, caught.value.retryable) == ("UNREACHABLE", True)


async def test_a_5xx_with_an_error_body_keeps_its_meaning(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    panel.fail_next("body", status=503, body='{"error":"Service temporarily unavailable, try again"}')
    with pytest.raises(ProviderError) as caught:
        await smm.balance()
    assert caught.value.retryable is True


async def _orders(smm: SmmV2Provider, n: int) -> list[str]:
    return [
        (await smm.submit(upstream_service="2", link=f"https://x.test/{i}", quantity=10)).upstream_order_id
        for i in range(n)
    ]


async def test_progress_follows_the_upstream_through_every_status(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    a, b, c, d = await _orders(smm, 4)
    panel.progress(int(b), remains=4, start_count=120)
    panel.partial(int(c), remains=7)
    panel.cancel_order(int(d))
    got = await smm.fetch_progress([a, b, c, d, "424242"])
    assert got[a] == SmmProgress(status="pending", start_count=0, remains=10, cost=Decimal("0.00278"))
    assert got[b] == SmmProgress(status="in_progress", start_count=120, remains=4, cost=Decimal("0.00278"))
    assert isinstance(got_c := got[c], SmmProgress) and (got_c.status, got_c.remains) == ("partial", 7)
    assert isinstance(got_d := got[d], SmmProgress) and got_d.status == "cancelled"
    missing = got["424242"]
    assert isinstance(missing, ProviderError) and missing.token == "BAD_ORDER" and not missing.retryable
    panel.complete(int(a))
    assert await smm.fetch_progress([a]) == {a: SmmProgress(status="completed", start_count=0, remains=0,
                                                             cost=Decimal("0.00278"))}  # fmt: skip


async def test_single_status_errors_belong_to_that_order(smm: SmmV2Provider) -> None:
    got = (await smm.fetch_progress(["777"]))["777"]
    assert isinstance(got, ProviderError) and got.token == "BAD_ORDER"


async def test_statuses_in_any_spelling_and_numbers_as_numbers(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    panel.configure(numbers_as_numbers=True, spelling={"Canceled": "CANCELLED", "In progress": "in_progress"})
    a, b, c = await _orders(smm, 3)
    panel.cancel_order(int(a))
    panel.progress(int(b), remains=3)
    panel.set_status(int(c), "Fail")
    got = await smm.fetch_progress([a, b, c])
    assert [g.status for g in got.values() if isinstance(g, SmmProgress)] == ["cancelled", "in_progress", "cancelled"]
    assert isinstance(got_b := got[b], SmmProgress) and got_b.remains == 3


async def test_more_than_100_ids_are_asked_in_batches_of_100(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    ids = await _orders(smm, 3)
    asked = ids + [str(n) for n in range(5000, 5000 + 247)]
    got = await smm.fetch_progress(asked)
    assert len(got) == 250 and panel.status_batches == [100, 100, 50]
    assert all(isinstance(got[i], SmmProgress) for i in ids)


async def test_a_failed_batch_gives_every_id_in_it_the_error(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    ids = await _orders(smm, 2)
    panel.fail_next("html", action="status")
    got = await smm.fetch_progress(ids)
    assert all(isinstance(g, ProviderError) and g.retryable and g.token == "HTML" for g in got.values())


async def test_cancel_reports_per_order(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    a, b = await _orders(smm, 2)
    panel.complete(int(b))
    got = await smm.cancel([a, b, "999"])
    assert got[a] is True
    assert isinstance(got[b], ProviderError) and isinstance(got["999"], ProviderError)
    assert panel.orders[int(a)].status == "Canceled"


async def test_refill_and_refill_status(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    order = (await smm.submit(upstream_service="1", link="https://x.test/r", quantity=100)).upstream_order_id
    with pytest.raises(ProviderError):
        await smm.refill(order)  # not completed yet
    panel.complete(int(order))
    refill = await smm.refill(order)
    assert await smm.refill_status([refill]) == {refill: "Pending"}
    panel.set_refill_status(int(refill), "completed")
    second = await smm.refill(order)
    got = await smm.refill_status([refill, second, "99"])
    assert got[refill] == "Completed" and got[second] == "Pending" and isinstance(got["99"], ProviderError)


async def test_balance_keeps_full_precision(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    panel.configure(balance="100.84292")
    balance = await smm.balance()
    assert (balance.amount, balance.currency) == (Decimal("100.84292"), "USD")


@pytest.mark.parametrize(
    ("raw", "status"),
    [("Pending", "pending"), ("In progress", "in_progress"), ("IN_PROGRESS", "in_progress"),
     ("Processing", "processing"), ("Completed", "completed"), ("partial", "partial"), ("Canceled", "cancelled"),
     ("Cancelled", "cancelled"), ("Refunded", "cancelled"), ("Fail", "cancelled"), ("Error", "cancelled"),
     ("Weird", None), (None, None)],
)  # fmt: skip
def test_status_words(raw: str | None, status: str | None) -> None:
    assert map_status(raw) == status


def test_unknown_status_and_negative_remains() -> None:
    unknown = parse_progress({"status": "Teleported"})
    assert isinstance(unknown, ProviderError) and unknown.retryable and unknown.token == "UNKNOWN_STATUS"
    over = parse_progress({"status": "Partial", "remains": "-5", "charge": 0.9})
    assert isinstance(over, SmmProgress) and over.remains == 0 and over.cost == Decimal("0.9")


@pytest.mark.parametrize(
    ("message", "status", "token", "retryable"),
    [
        ("Incorrect service ID", 200, "BAD_SERVICE", False),
        ("Invalid API key", 200, "BAD_KEY", False),
        ("Not enough funds on balance", 200, "NO_FUNDS", True),
        ("You have active order with this link. Please wait until order being completed.", 200, "ACTIVE_ORDER", True),
        ("Too many requests", 429, "RETRY_LATER", True),
        ("Incorrect order ID", 200, "BAD_ORDER", False),
        ("Something odd", 200, "REJECTED", False),
        ("Something odd", 502, "UPSTREAM_ERROR", True),
        ({"message": "Incorrect link"}, 400, "BAD_LINK", False),
    ],
)
def test_error_classification(message: object, status: int, token: str, retryable: bool) -> None:
    error = classify_error(message, http_status=status)
    assert (error.token, error.retryable) == (token, retryable)


@pytest.mark.parametrize("mode", ["exponent", "nan", "negative", "fractional", "overflow", "mixed"])
async def test_a_hostile_status_reply_is_malformed_for_each_order_alone(
    smm: SmmV2Provider, panel: FakeSmmPanel, mode: str
) -> None:
    ids = [(await smm.submit(upstream_service="1", link=f"https://x.test/{n}", quantity=100)).upstream_order_id
           for n in range(3)]  # fmt: skip
    panel.hostile(mode)
    answers = await smm.fetch_progress([*ids, "999999"])
    for order_id in ids:
        answer = answers[order_id]
        assert isinstance(answer, ProviderError) and answer.token == "MALFORMED" and answer.retryable, answer
    unknown = answers["999999"]
    assert isinstance(unknown, ProviderError) and unknown.token == "BAD_ORDER"  # the others are still read
    panel.hostile(None)
    assert all(isinstance(a, SmmProgress) for a in (await smm.fetch_progress(ids)).values())


async def test_an_html_reply_fails_the_batch_retryably(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    order_id = (await smm.submit(upstream_service="1", link="https://x.test/h", quantity=100)).upstream_order_id
    panel.hostile("html")
    answer = (await smm.fetch_progress([order_id]))[order_id]
    assert isinstance(answer, ProviderError) and answer.token == "HTML" and answer.retryable


@pytest.mark.parametrize("mode", ["exponent", "nan", "negative", "fractional", "overflow"])
async def test_a_catalog_entry_with_hostile_figures_is_rejected_and_the_rest_kept(
    smm: SmmV2Provider, panel: FakeSmmPanel, mode: str
) -> None:
    panel.hostile(mode)
    catalog = await smm.services()
    assert {s.service for s in catalog.services} == {"1", "2", "3"}
    [rejected] = catalog.rejected
    assert rejected.service == "666" and rejected.reason


async def test_a_huge_maximum_is_clamped_and_an_overlong_id_rejected(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    panel.configure(services=[dict(panel.services[0], max="5000000000"), dict(panel.services[1], service="9" * 65)])
    catalog = await smm.services()
    assert [s.max for s in catalog.services] == [2**31 - 1]
    assert [r.reason for r in catalog.rejected] == ["service id longer than 64 characters"]


async def test_an_overlong_answer_is_refused_before_it_is_read_whole(smm: SmmV2Provider, panel: FakeSmmPanel) -> None:
    panel.fail_next("body", body=" " * (16 * 1024 * 1024 + 1), action="balance")
    with pytest.raises(ProviderError) as raised:
        await smm.balance()
    assert raised.value.token == "TOO_LARGE" and raised.value.retryable
