"""``flashpanel providers``: the upstreams that fulfil orders (keys stored encrypted)."""

from __future__ import annotations

import asyncio
import sys
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


def _key_from_stdin() -> str:
    """The first line of standard input: a key piped in (`--key-stdin < file`) or typed at a prompt never
    shows up in the shell history or the process list."""
    if sys.stdin.isatty():
        typer.echo("API key (one line, then Enter): ", nl=False, err=True)
    key = sys.stdin.readline().strip()
    if not key:
        fail("no API key on standard input")
    return key


def _warn_if_cleartext(url: str | None) -> None:
    if url is not None and service.is_cleartext(url):
        typer.echo(
            f"warning: {url.strip()} is plain http://: the API key and every order cross the network unencrypted; "
            "use https:// unless the provider is on this machine or a private network",
            err=True,
        )


KeyStdin = Annotated[bool, typer.Option("--key-stdin", help="Read the API key from the first line of stdin")]


@app.command("add")
def add(
    name: str,
    kind: Annotated[str, typer.Option("--kind", help="smm-v2 or sms-activate")],
    url: Annotated[str, typer.Option("--url", help="API endpoint, e.g. https://panel.example/api/v2")],
    key: Annotated[
        str | None, typer.Option("--key", help="The upstream API key (stored encrypted); prefer --key-stdin")
    ] = None,
    key_stdin: KeyStdin = False,
    currency: Annotated[str, typer.Option("--currency", help="The provider's currency")] = "USD",
    exchange_rate: Annotated[
        str, typer.Option("--exchange-rate", help="Panel-currency units per one provider-currency unit")
    ] = "1",
) -> None:
    """Add a provider. The key is encrypted with the secret key file before it is stored."""
    if (key is None) == (not key_stdin):
        fail("give the API key with exactly one of --key-stdin (preferred) or --key")
    rate = _rate(exchange_rate)
    api_key = _key_from_stdin() if key_stdin else str(key)
    info = write(
        service.add_provider,
        secrets=secret_box(),
        name=name,
        kind=kind,
        url=url,
        api_key=api_key,
        currency=currency,
        exchange_rate=rate,
    )
    _warn_if_cleartext(info.url)
    typer.echo(f"added provider {info.name!r} (id {info.id}, {info.kind}, {info.currency}, rate {info.exchange_rate})")


@app.command("update")
def update(
    name: str,
    url: Annotated[str | None, typer.Option("--url", help="The new API endpoint")] = None,
    key_stdin: KeyStdin = False,
) -> None:
    """Change a provider's URL and/or API key. Running API and worker processes use them within 30 s,
    with no restart; orders already placed follow the provider."""
    if url is None and not key_stdin:
        fail("nothing to change: give --url and/or --key-stdin")
    api_key = _key_from_stdin() if key_stdin else None
    info = write(service.update_provider, secrets=secret_box(), name=name, url=url, api_key=api_key)
    _warn_if_cleartext(url)
    changed = " and ".join(what for what, given in (("url", url is not None), ("API key", key_stdin)) if given)
    typer.echo(f"{info.name}: {changed} updated (running processes use it within 30 s)")


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
    """Stop new orders through a provider: its services leave the catalogs and are refused at purchase.
    Orders already placed with it are still submitted and followed to the end."""
    write(service.set_active, name=name, active=False)
    typer.echo(f"{name}: disabled (no new orders; orders in flight continue)")


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
    typer.echo(f"{name}: {result.amount} {result.currency or row.currency or ''}".rstrip())
