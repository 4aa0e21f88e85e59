"""``flashpanel smm services import-from PROVIDER``: create or update local SMM services from an
upstream's catalog, priced with a markup. Registered by ``flashpanel.cli.smm``."""

from __future__ import annotations

import asyncio
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from flashpanel.cli.common import fail, read, secret_box, write
from flashpanel.errors import FlashpanelError
from flashpanel.providers import catalog_sync, service
from flashpanel.providers.base import ProviderError
from flashpanel.providers.capabilities import catalog_source
from flashpanel.providers.kinds import SMM_V2

MAX_REJECTS_SHOWN = 20


def import_from(
    provider: Annotated[str, typer.Argument(help="Provider name (see `flashpanel providers list`)")],
    markup: Annotated[str, typer.Option("--markup", help="Percent added to the provider's cost, e.g. 25")] = "0",
    category: Annotated[
        str | None, typer.Option("--category", help="Import only this upstream category (case-insensitive)")
    ] = None,
) -> None:
    """Import the provider's services: create new ones, update (and re-enable) imported ones."""
    try:
        markup_percent = Decimal(markup.strip())
    except InvalidOperation:
        fail(f"markup must be a percentage like 25 or 12.5, got {markup!r}")
    if not markup_percent.is_finite() or markup_percent < 0:
        fail("markup must be a percentage of zero or more (prices never go below cost)")
    row = read(service.provider_row, name=provider)
    if row.kind != SMM_V2:
        fail(f"provider {provider!r} is {row.kind}; services are imported from smm-v2 providers")
    try:
        adapter = catalog_source(service.adapter_for(row, secret_box()))
        if adapter is None:
            fail(f"provider {provider!r} cannot list its services")
        listing = asyncio.run(adapter.services())
    except (ProviderError, FlashpanelError) as exc:
        fail(f"{provider}: {exc.message}")
    report = write(
        catalog_sync.import_services,
        provider_id=row.id,
        exchange_rate=row.exchange_rate,
        services=listing.services,
        markup_percent=markup_percent,
        category=category,
        rejected=listing.rejected,
    )
    for rejected in report.rejected[:MAX_REJECTS_SHOWN]:
        typer.echo(f"skipped upstream service {rejected.service!r}: {rejected.reason}", err=True)
    if len(report.rejected) > MAX_REJECTS_SHOWN:
        typer.echo(f"... and {len(report.rejected) - MAX_REJECTS_SHOWN} more unreadable service(s)", err=True)
    if report.created + report.updated == 0:
        where = f" in category {category!r}" if category else ""
        listed = len(listing.services) + len(listing.rejected)
        fail(f"{provider}: no importable services{where} ({listed} listed upstream)")
    typer.echo(
        f"imported {report.created + report.updated} service(s) from {provider} with markup {markup_percent}%: "
        f"{report.created} created, {report.updated} updated, {report.skipped} skipped, "
        f"{len(report.rejected)} unreadable"
    )
