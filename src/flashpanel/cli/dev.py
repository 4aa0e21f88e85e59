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


@app.command("openapi")
def openapi() -> None:
    """Print the OpenAPI document /docs/openapi.json serves (``> docs/openapi.json`` refreshes the checked-in copy)."""
    from flashpanel.api.openapi import document_bytes

    sys.stdout.buffer.write(document_bytes())
