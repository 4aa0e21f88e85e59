"""``flashpanel providers``: the upstreams that fulfil orders (keys stored encrypted)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Annotated

import typer

from flashpanel.cli.common import fail, read, secret_box, table, write
from flashpanel.errors import FlashpanelError
from flashpanel.providers import service
from flashpanel.providers.base import ProviderError

app = typer.Typer(
    help="Upstream providers (SMM API v2 panels, SMS-Activate-protocol number providers).", no_args_is_help=True
)


def _rate(text: str) -> Decimal:
    try:
        return service.parse_exchange_rate(text)
    except FlashpanelError as exc:
        fail(exc.message)


@app.command("add")
def add(
    name: str,
    kind: Annotated[str, typer.Option("--kind", help="smm-v2 or sms-activate")],
    url: Annotated[str, typer.Option("--url", help="API endpoint, e.g. https://panel.example/api/v2")],
    key: Annotated[str, typer.Option("--key", help="The upstream API key (stored encrypted)")],
    currency: Annotated[str, typer.Option("--currency", help="The provider's currency")] = "USD",
    exchange_rate: Annotated[
        str, typer.Option("--exchange-rate", help="Panel-currency units per one provider-currency unit")
    ] = "1",
) -> None:
    """Add a provider. The key is encrypted with the secret key file before it is stored."""
    info = write(
        service.add_provider,
        secrets=secret_box(),
        name=name,
        kind=kind,
        url=url,
        api_key=key,
        currency=currency,
        exchange_rate=_rate(exchange_rate),
    )
    typer.echo(f"added provider {info.name!r} (id {info.id}, {info.kind}, {info.currency}, rate {info.exchange_rate})")


@app.command("list")
def list_() -> None:
    """List providers (never their keys)."""
    rows = read(service.list_providers)
    table(
        [
            (p.id, p.name, p.kind, p.url, p.currency, p.exchange_rate, "active" if p.active else "disabled")
            for p in rows
        ],
        ("ID", "NAME", "KIND", "URL", "CURRENCY", "EXCHANGE_RATE", "STATUS"),
    )


@app.command("disable")
def disable(name: str) -> None:
    """Disable a provider."""
    write(service.set_active, name=name, active=False)
    typer.echo(f"{name}: disabled")


@app.command("enable")
def enable(name: str) -> None:
    """Re-enable a disabled provider."""
    write(service.set_active, name=name, active=True)
    typer.echo(f"{name}: enabled")


@app.command("set-rate")
def set_rate(name: str, exchange_rate: Annotated[str, typer.Argument(metavar="RATE")]) -> None:
    """Change the exchange rate (panel-currency units per provider-currency unit)."""
    info = write(service.set_exchange_rate, name=name, exchange_rate=_rate(exchange_rate))
    typer.echo(f"{name}: exchange rate {info.exchange_rate}")


@app.command("balance")
def balance(name: str) -> None:
    """Ask the upstream for the account balance."""
    row = read(service.provider_row, name=name)
    try:
        adapter = service.adapter_for(row, secret_box())
        result = asyncio.run(adapter.balance())
    except (ProviderError, FlashpanelError) as exc:
        fail(f"{name}: {exc.message}")
    typer.echo(f"{name}: {result.amount} {result.currency or row.get('currency') or ''}".rstrip())
