"""Payments tests: the app under test talks to fake gateways over real HTTP (one fake of each per
test), and tests announce payments the way the gateways do: signed webhooks, return-page visits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database
from flashpanel.payments.checkout import start_checkout
from flashpanel.payments.fakes import FakeFlutterwave, FakeGateway, FakePaystack
from flashpanel.payments.gateways import configured_gateways
from flashpanel.payments.gateways.base import Gateway
from flashpanel.payments.topups import Topup, get_topup
from flashpanel.providers.fakes.server import running_fake
from tests.conftest import REDIS_URL

SECRET = "sk_test_payments"
HASH = "flw-secret-hash"
FUNDING = "Transfer to Example Bank, account 0000000000."


@dataclass
class Fakes:
    paystack: FakePaystack
    flutterwave: FakeFlutterwave

    def of(self, gateway: str) -> FakeGateway:
        return self.paystack if gateway == "paystack" else self.flutterwave


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    paystack = FakePaystack(secret=SECRET)
    flutterwave = FakeFlutterwave(secret=SECRET, secret_hash=HASH)
    with running_fake(paystack) as paystack_url, running_fake(flutterwave) as flutterwave_url:
        paystack.base_url, flutterwave.base_url = paystack_url, flutterwave_url
        yield Fakes(paystack, flutterwave)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, fakes: Fakes) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        secret_key_file=tmp_path / "secret.key",
        demo_key_file=tmp_path / "demo.key",
        run_worker=False,
        paystack_secret_key=SECRET,
        paystack_base_url=fakes.paystack.base_url,
        flutterwave_secret_key=SECRET,
        flutterwave_secret_hash=HASH,
        flutterwave_base_url=fakes.flutterwave.base_url,
        funding_instructions=FUNDING,
        topup_recheck_seconds=0,
        rate_limit_webhook="5/minute",
    )


@pytest.fixture
def gateways(settings: Settings) -> dict[str, Gateway]:
    return configured_gateways(settings)


@pytest.fixture(params=["paystack", "flutterwave"])
def gateway(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


async def begin_topup(
    db: Database, settings: Settings, gateways: dict[str, Gateway], *, customer_id: int, gateway: str, amount: str
) -> Topup:
    """What the Add funds form does: the pending row, then the gateway's checkout."""
    from decimal import Decimal

    url = await start_checkout(
        db,
        settings,
        gateways,
        customer_id=customer_id,
        gateway=gateway,
        amount=Decimal(amount),
        return_base_url="http://testserver",
    )
    return await db.read(get_topup, reference=url.rsplit("/", 1)[1])


async def announce(
    client: httpx.AsyncClient, fake: FakeGateway, reference: str, *, times: int = 1, bad_signature: bool = False
) -> list[int]:
    """The gateway's webhook for ``reference``, posted ``times`` times at once; returns the statuses."""
    body, headers = fake.webhook(fake.transactions[reference], bad_signature=bad_signature)
    path = f"/payments/{'paystack' if isinstance(fake, FakePaystack) else 'flutterwave'}/webhook"
    responses = await asyncio.gather(
        *(
            client.post(path, content=body, headers={"content-type": "application/json", **headers})
            for _ in range(times)
        )
    )
    return [r.status_code for r in responses]


def topup_entries(conn: Conn, *, topup_id: int) -> list[int]:
    """The amounts (cents) of the ledger entries crediting this top-up."""
    return [
        int(r["amount_cents"])
        for r in conn.all("SELECT amount_cents FROM ledger_entries WHERE topup_id = ?", (topup_id,))
    ]
