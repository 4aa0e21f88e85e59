"""``flashpanel otp``: the OTP catalog (countries, services, provider mapping) and orders."""

from __future__ import annotations

from typing import Annotated

import typer

from flashpanel.cli import otp_orders
from flashpanel.cli.common import amount, fail, read, table, write
from flashpanel.otp import catalog
from flashpanel.wallet.money import format_cents

app = typer.Typer(help="OTP numbers: countries, services and orders.", no_args_is_help=True)
countries = typer.Typer(help="Countries numbers are sold for.", no_args_is_help=True)
services = typer.Typer(help="Services per country, their prices and providers.", no_args_is_help=True)
app.add_typer(countries, name="countries")
app.add_typer(services, name="services")
app.add_typer(otp_orders.app, name="orders")


@countries.command("add")
def countries_add(name: str, code: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2, e.g. US")]) -> None:
    """Add a country."""
    country_id = write(catalog.add_country, name=name, code=code)
    typer.echo(f"added country {country_id}: {name} ({code.strip().upper()})")


@countries.command("list")
def countries_list() -> None:
    """List countries."""
    rows = read(catalog.all_countries)
    table(
        [(r["id"], r["code"], r["name"], "active" if r["active"] else "disabled") for r in rows],
        ("ID", "CODE", "NAME", "STATUS"),
    )


@services.command("add")
def services_add(
    country: Annotated[str, typer.Argument(help="Country id or ISO code")],
    name: str,
    code: Annotated[str, typer.Argument(help="Short code, e.g. wa")],
    price: Annotated[str, typer.Option(help="Customer price per number, e.g. 350 or 350.00")],
) -> None:
    """Add a service to a country. It is sold only once a provider is mapped to it (`otp services map`)."""
    service_id = write(catalog.add_service, country=country, name=name, code=code, price=amount(price, what="price"))
    typer.echo(f"added service {service_id}: {name} ({code.strip()})")
    typer.echo(
        f"service {service_id} has no provider: it is not listed or sold until one is mapped "
        f"(flashpanel otp services map {service_id} PROVIDER --upstream-country C --upstream-service S)"
    )


@services.command("list")
def services_list(country: Annotated[str | None, typer.Option(help="Only this country (id or code)")] = None) -> None:
    """List services with prices, provider count and status."""
    rows = read(catalog.all_services, country=country)
    table(
        [
            (
                r["id"],
                r["country"],
                r["code"],
                r["name"],
                format_cents(int(r["price_cents"])),
                r["providers"] or "none (not sold)",
                "active" if r["active"] else "disabled",
            )
            for r in rows
        ],
        ("ID", "COUNTRY", "CODE", "NAME", "PRICE", "PROVIDERS", "STATUS"),
    )


@services.command("update")
def services_update(
    service_id: int,
    name: Annotated[str | None, typer.Option(help="New name")] = None,
    price: Annotated[str | None, typer.Option(help="New price (later purchases only)")] = None,
    enable: Annotated[bool, typer.Option("--enable", help="Sell it again")] = False,
) -> None:
    """Rename, re-price or re-enable a service."""
    if name is None and price is None and not enable:
        fail("nothing to update: give --name, --price or --enable")
    write(
        catalog.update_service,
        service_id=service_id,
        name=name,
        price=None if price is None else amount(price, what="price"),
        active=True if enable else None,
    )
    typer.echo(f"updated service {service_id}")


@services.command("disable")
def services_disable(service_id: int) -> None:
    """Stop selling a service (orders already placed are unaffected)."""
    write(catalog.update_service, service_id=service_id, active=False)
    typer.echo(f"disabled service {service_id}")


@services.command("map")
def services_map(
    service_id: int,
    provider: Annotated[str, typer.Argument(help="Provider name (see `flashpanel providers list`)")],
    upstream_country: Annotated[str, typer.Option(help="The provider's country id/code")],
    upstream_service: Annotated[str, typer.Option(help="The provider's service code")],
    priority: Annotated[int, typer.Option(help="Lower is tried first")] = 0,
) -> None:
    """Let a provider sell this service (`simulator`: the built-in one); several providers are tried in
    priority order."""
    write(
        catalog.map_provider,
        service_id=service_id,
        provider=provider,
        upstream_country=upstream_country,
        upstream_service=upstream_service,
        priority=priority,
    )
    typer.echo(f"service {service_id}: provider {provider!r} at priority {priority}")


@services.command("unmap")
def services_unmap(
    service_id: int,
    provider: Annotated[str, typer.Argument(help="Provider name (see `flashpanel providers list`)")],
) -> None:
    """Stop a provider selling this service (numbers it already sold are followed to the end)."""
    write(catalog.unmap_provider, service_id=service_id, provider=provider)
    typer.echo(f"service {service_id}: provider {provider!r} removed")
