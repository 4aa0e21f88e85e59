"""The gateway clients against the fake gateways, over real HTTP: amounts, statuses, signatures."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from flashpanel.payments.fakes import FakeFlutterwave, FakeGateway, FakePaystack
from flashpanel.payments.gateways.base import Gateway, GatewayError, minor_units
from flashpanel.payments.gateways.flutterwave import Flutterwave
from flashpanel.payments.gateways.paystack import Paystack
from flashpanel.providers.fakes.server import running_fake

SECRET = "sk_test_gateways"


@pytest.fixture(params=["paystack", "flutterwave"])
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[FakeGateway, Gateway]]:
    fake: FakeGateway = FakePaystack(secret=SECRET) if request.param == "paystack" else FakeFlutterwave(secret=SECRET)
    with running_fake(fake) as base_url:
        fake.base_url = base_url
        client: Gateway
        if request.param == "paystack":
            client = Paystack(secret_key=SECRET, base_url=base_url)
        else:
            client = Flutterwave(secret_key=SECRET, secret_hash="test-hash", base_url=base_url)
        yield fake, client


async def start(client: Gateway, reference: str, amount_cents: int = 150_050) -> str:
    checkout = await client.initialize(
        reference=reference,
        amount_cents=amount_cents,
        currency="NGN",
        email="ada@example.com",
        name="ada",
        return_url="http://panel.test/wallet/return/x",
    )
    return checkout.url


async def test_a_paid_checkout_verifies_as_success_for_the_exact_amount(pair: tuple[FakeGateway, Gateway]) -> None:
    fake, client = pair
    url = await start(client, "FP-AMOUNT1")
    assert url.endswith("/checkout/FP-AMOUNT1")
    assert (
        fake.transactions["FP-AMOUNT1"].amount_minor == 150_050
    )  # kobo for Paystack, naira with decimals for Flutterwave
    unpaid = await client.verify(reference="FP-AMOUNT1")
    assert unpaid.outcome in ("pending", "unknown")
    fake.pay("FP-AMOUNT1")
    paid = await client.verify(reference="FP-AMOUNT1")
    assert (paid.outcome, paid.reference, paid.amount_cents, paid.currency) == ("success", "FP-AMOUNT1", 150_050, "NGN")
    assert paid.transaction_id == str(fake.transactions["FP-AMOUNT1"].id)


@pytest.mark.parametrize(("outcome", "expected"), [("failed", "failed"), ("abandoned", "pending"), ("reversed", None)])
async def test_unsuccessful_payments_never_verify_as_success(
    pair: tuple[FakeGateway, Gateway], outcome: str, expected: str | None
) -> None:
    fake, client = pair
    await start(client, f"FP-{outcome.upper()}")
    fake.configure(outcome=outcome)
    fake.pay(f"FP-{outcome.upper()}")
    verification = await client.verify(reference=f"FP-{outcome.upper()}")
    assert verification.outcome != "success"
    if expected is not None:
        assert verification.outcome == expected


async def test_an_unknown_reference_verifies_as_unknown(pair: tuple[FakeGateway, Gateway]) -> None:
    _fake, client = pair
    assert (await client.verify(reference="FP-NOT-OURS")).outcome == "unknown"


async def test_a_reused_reference_is_refused(pair: tuple[FakeGateway, Gateway]) -> None:
    _fake, client = pair
    await start(client, "FP-TWICE")
    with pytest.raises(GatewayError):
        await start(client, "FP-TWICE")


async def test_a_wrong_secret_is_refused(pair: tuple[FakeGateway, Gateway]) -> None:
    fake, _client = pair
    wrong: Gateway = (
        Paystack(secret_key="wrong", base_url=fake.base_url)
        if isinstance(fake, FakePaystack)
        else Flutterwave(secret_key="wrong", secret_hash=None, base_url=fake.base_url)
    )
    with pytest.raises(GatewayError):
        await wrong.verify(reference="FP-X")


def test_webhook_signatures_are_checked_on_the_raw_body(pair: tuple[FakeGateway, Gateway]) -> None:
    fake, client = pair
    fake.new_transaction(reference="FP-SIG", amount_minor=10_000, currency="NGN", email="a@example.com", return_url="")
    fake.transactions["FP-SIG"].outcome = "success"
    body, headers = fake.webhook(fake.transactions["FP-SIG"], bad_signature=False)
    assert client.signature_ok(raw_body=body, headers=headers)
    assert client.webhook_reference(body) == "FP-SIG"
    bad_body, bad_headers = fake.webhook(fake.transactions["FP-SIG"], bad_signature=True)
    assert not client.signature_ok(raw_body=bad_body, headers=bad_headers)
    assert not client.signature_ok(raw_body=body, headers={})
    if isinstance(fake, FakePaystack):  # an HMAC: the same event re-serialised no longer matches
        assert not client.signature_ok(raw_body=body.replace(b'": ', b'":'), headers=headers)


def test_the_hosted_checkout_redirects_back_with_the_reference_only(pair: tuple[FakeGateway, Gateway]) -> None:
    fake, _client = pair
    url = fake.new_transaction(
        reference="FP-PAGE", amount_minor=10_000, currency="NGN", email="a@example.com", return_url="http://p.test/r"
    )
    page = httpx.get(url)
    assert page.status_code == 200 and "Pay" in page.text and "Cancel" in page.text
    back = httpx.post(f"{url}/pay")
    assert back.status_code == 303
    assert back.headers["location"].startswith("http://p.test/r?") and "FP-PAGE" in back.headers["location"]


@pytest.mark.parametrize(
    ("value", "major", "expected"),
    [
        (150_050, False, 150_050),
        (Decimal("1500.50"), True, 150_050),
        (1500, True, 150_000),
        (Decimal("1500.505"), True, None),  # a fraction of a kobo is not rounded into a match
        (Decimal("1.5"), False, None),
        (Decimal("1e300000"), True, None),
        ("150050", False, None),  # a string is not an amount
        (True, False, None),
        (None, True, None),
    ],
)
def test_gateway_amounts_are_read_exactly_or_not_at_all(value: object, major: bool, expected: int | None) -> None:
    assert minor_units(value, major=major) == expected
