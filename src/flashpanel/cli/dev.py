"""``flashpanel dev``: developer tools, such as a fake upstream to try the whole chain on one machine."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
import uvicorn

from flashpanel.providers.fakes import FakeSmmPanel, FakeSmsActivate
from flashpanel.providers.fakes.server import HOSTILE_MODES, FakeUpstream

app = typer.Typer(help="Developer tools.", no_args_is_help=True)


class FakeKind(StrEnum):
    smm_v2 = "smm-v2"
    sms_activate = "sms-activate"


@app.command("fake-upstream")
def fake_upstream(
    kind: Annotated[FakeKind, typer.Argument(help="smm-v2 or sms-activate")],
    port: Annotated[int, typer.Option(help="TCP port")] = 9100,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    key: Annotated[str, typer.Option(help="API key the fake accepts")] = "test-key",
    complete_after: Annotated[float, typer.Option(help="smm-v2: seconds for an order to progress to Completed")] = 60.0,
    sms_after: Annotated[float, typer.Option(help="sms-activate: seconds until a code arrives")] = 20.0,
) -> None:
    """Serve a fake upstream speaking the real protocol; faults are set with POST /_control."""
    fake: FakeUpstream
    if kind is FakeKind.smm_v2:
        fake = FakeSmmPanel(api_key=key, auto_complete_after=complete_after)
        url = f"http://{host}:{port}/api/v2"
    else:
        fake = FakeSmsActivate(api_key=key, auto_sms_after=sms_after)
        url = f"http://{host}:{port}/stubs/handler_api.php"
    typer.echo(f"fake {kind.value} upstream on {url} (key {key!r})")
    typer.echo(
        f"point a provider at it: echo {key} | flashpanel providers add fake-{kind.value} --kind {kind.value} "
        f"--url {url} --key-stdin"
    )
    control = f"curl -X POST http://{host}:{port}/_control -d"
    typer.echo(f"""control it: {control} '{{"op": "fail_next", "kind": "500"}}'""")
    typer.echo(
        f"""hostile numbers: {control} '{{"op": "hostile", "mode": "exponent"}}' """
        f'(modes: {", ".join(HOSTILE_MODES)}; {{"op": "hostile"}} alone answers normally again)'
    )
    uvicorn.run(fake, host=host, port=port, lifespan="off", interface="asgi3", log_level="info")


class GatewayKind(StrEnum):
    paystack = "paystack"
    flutterwave = "flutterwave"


@app.command("fake-gateway")
def fake_gateway(
    kind: Annotated[GatewayKind, typer.Argument(help="paystack or flutterwave")],
    port: Annotated[int, typer.Option(help="TCP port")] = 9200,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    secret: Annotated[str, typer.Option(help="Secret key the fake accepts (and signs Paystack webhooks with)")] = (
        "sk_test_fake"
    ),
    hash_: Annotated[str, typer.Option("--hash", help="flutterwave: the secret hash sent in verif-hash")] = (
        "test-hash"
    ),
    webhook_url: Annotated[
        str | None, typer.Option(help="Where to send webhooks, e.g. http://127.0.0.1:8000/payments/paystack/webhook")
    ] = None,
) -> None:
    """Serve a fake payment gateway (API, hosted checkout with Pay/Cancel, webhooks); knobs via POST /_control."""
    from flashpanel.payments.fakes import FakeFlutterwave, FakeGateway, FakePaystack

    base = f"http://{host}:{port}"
    fake: FakeGateway
    if kind is GatewayKind.paystack:
        fake = FakePaystack(secret=secret, webhook_url=webhook_url)
        settings = f"FLASHPANEL_PAYSTACK_SECRET_KEY={secret} FLASHPANEL_PAYSTACK_BASE_URL={base}"
    else:
        fake = FakeFlutterwave(secret=secret, secret_hash=hash_, webhook_url=webhook_url)
        settings = (
            f"FLASHPANEL_FLUTTERWAVE_SECRET_KEY={secret} FLASHPANEL_FLUTTERWAVE_SECRET_HASH={hash_} "
            f"FLASHPANEL_FLUTTERWAVE_BASE_URL={base}"
        )
    fake.base_url = base
    typer.echo(f"fake {kind.value} gateway on {base} (secret {secret!r}); webhooks to {webhook_url or 'nowhere'}")
    typer.echo(f"point the panel at it: {settings} flashpanel serve")
    control = f"curl -X POST {base}/_control -d"
    typer.echo(f"""control it: {control} '{{"op": "configure", "outcome": "failed"}}' (GET {base}/_control shows it)""")
    typer.echo(
        "knobs: outcome success|failed|abandoned|reversed|pending, amount_delta, currency, webhook now|late|never, "
        "webhook_times, concurrent, bad_signature, verify_delay; ops: release_webhooks, settle, send_webhook"
    )
    uvicorn.run(fake, host=host, port=port, lifespan="off", interface="asgi3", log_level="info")


@app.command("openapi")
def openapi() -> None:
    """Print the OpenAPI document /docs/openapi.json serves (``> docs/openapi.json`` refreshes the checked-in copy)."""
    from flashpanel.api.openapi import document_bytes

    sys.stdout.buffer.write(document_bytes())
