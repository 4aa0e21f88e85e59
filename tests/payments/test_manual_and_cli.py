"""Bank transfers (the customer reports, the operator approves once or rejects) and the operator's
``flashpanel payments`` commands."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.db.runner import Database
from flashpanel.payments.gateways.base import Gateway
from flashpanel.payments.topups import get_topup
from flashpanel.wallet.ledger import balance_cents
from tests.helpers import run_cli
from tests.payments.conftest import Fakes, begin_topup, topup_entries
from tests.web.support import csrf_token, sign_up


async def report(client: httpx.AsyncClient, amount: str, reference: str) -> httpx.Response:
    token = await csrf_token(client, "/wallet/add")
    return await client.post(
        "/wallet/transfer", data={"_csrf_token": token, "amount": amount, "transfer_reference": reference}
    )


def reference_of(db: Database) -> str:
    return str(db.read_sync(lambda conn: conn.scalar("SELECT reference FROM topups ORDER BY id DESC LIMIT 1")))


@pytest.mark.usefixtures("cli_env")
async def test_an_approved_transfer_is_credited_once_and_a_rejected_one_never(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "ike")
    response = await report(client, "12000", "NIP session 000012345")
    assert response.status_code == 303
    reference = reference_of(db)
    topup = db.read_sync(get_topup, reference=reference)
    assert (topup.status, topup.amount_cents, topup.gateway) == ("awaiting_approval", 1_200_000, "bank")

    code, out, _ = run_cli("payments", "list", "--status", "awaiting_approval")
    assert code == 0 and reference in out and "ike" in out and "NIP session 000012345" in out
    code, out, _ = run_cli("payments", "approve", reference)
    assert code == 0 and f"{reference}: credited" in out
    code, _, err = run_cli("payments", "approve", reference)
    assert code == 1 and "credited, not awaiting approval" in err
    code, _, err = run_cli("payments", "reject", reference, "--note", "too late")
    assert code == 1
    assert db.read_sync(topup_entries, topup_id=topup.id) == [1_200_000]
    assert db.read_sync(balance_cents, customer_id=topup.customer_id) == 1_200_000

    await report(client, "500", "NIP session 000099999")
    second = reference_of(db)
    code, out, _ = run_cli("payments", "reject", second, "--note", "no such transfer arrived")
    assert code == 0 and f"{second}: rejected" in out
    code, _, err = run_cli("payments", "approve", second)
    assert code == 1 and "rejected" in err
    assert db.read_sync(balance_cents, customer_id=topup.customer_id) == 1_200_000


async def test_a_transfer_outside_the_limits_or_without_a_reference_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "joe")
    too_small = await report(client, "50", "NIP 1")
    assert too_small.status_code == 422 and "between 100.00 and 1000000.00" in too_small.text
    no_reference = await report(client, "500", " ")
    assert no_reference.status_code == 422 and "transfer reference" in no_reference.text
    not_a_number = await report(client, "1e3", "NIP 2")
    assert not_a_number.status_code == 422
    assert db.read_sync(lambda conn: conn.scalar("SELECT COUNT(*) FROM topups")) == 0


@pytest.mark.usefixtures("cli_env")
async def test_recheck_credits_a_paid_top_up_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, gateways: dict[str, Gateway], fakes: Fakes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # the CLI runs its own event loop (asyncio.run), so it is called off this test's loop
    await sign_up(client, "kim")
    kim = int(db.read_sync(lambda conn: conn.scalar("SELECT id FROM customers WHERE name = 'kim'")))
    topup = await begin_topup(db, settings, gateways, customer_id=kim, gateway="flutterwave", amount="1234.50")
    for name, value in (
        ("FLASHPANEL_FLUTTERWAVE_SECRET_KEY", settings.flutterwave_secret_key),
        ("FLASHPANEL_FLUTTERWAVE_BASE_URL", settings.flutterwave_base_url),
    ):
        monkeypatch.setenv(name, str(value))
    code, out, _ = await asyncio.to_thread(run_cli, "payments", "recheck", topup.reference)
    assert code == 0 and f"{topup.reference}: pending" in out
    fakes.flutterwave.pay(topup.reference)
    code, out, _ = await asyncio.to_thread(run_cli, "payments", "recheck", topup.reference)
    assert code == 0 and "credited (credited now)" in out
    code, out, _ = await asyncio.to_thread(run_cli, "payments", "recheck", topup.reference)
    assert code == 0 and out.strip() == f"{topup.reference}: credited"
    assert db.read_sync(topup_entries, topup_id=topup.id) == [123_450]
    code, _, err = await asyncio.to_thread(run_cli, "payments", "recheck", "FP-NOPE")
    assert code == 1 and "no top-up" in err
    code, _, err = await asyncio.to_thread(run_cli, "payments", "list", "--status", "paid")
    assert code != 0
