"""``flashpanel smm``: the SMM catalog and orders, for the operator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from flashpanel.admin import orders as back_office
from flashpanel.admin.audit import cli_actor
from flashpanel.cli.common import amount, fail, read, table, write
from flashpanel.cli.smm_import import import_from
from flashpanel.smm import admin, catalog
from flashpanel.wallet.money import format_cents

app = typer.Typer(help="SMM services and orders.", no_args_is_help=True)
services_app = typer.Typer(help="The SMM catalog.", no_args_is_help=True)
orders_app = typer.Typer(help="SMM orders.", no_args_is_help=True)
app.add_typer(services_app, name="services")
app.add_typer(orders_app, name="orders")
services_app.command("import-from")(import_from)

Rate = Annotated[str, typer.Option(help="Price per 1000 in the panel currency, e.g. 500 or 499.50")]


def _rate(text: str) -> Any:
    value = amount(text, what="rate")
    if value < 0:
        fail("rate must not be negative")
    return value


@services_app.command("add")
def services_add(
    name: Annotated[str, typer.Option(help="Shown to customers")],
    category: Annotated[str, typer.Option()],
    rate: Rate,
    min_: Annotated[int, typer.Option("--min", help="Smallest quantity")],
    max_: Annotated[int, typer.Option("--max", help="Largest quantity")],
    type_: Annotated[str, typer.Option("--type")] = "Default",
    description: Annotated[str, typer.Option()] = "",
    provider: Annotated[
        str | None,
        typer.Option(help="Provider name; `simulator` is the built-in one. Without it the service is not sold"),
    ] = None,
    upstream_service: Annotated[str | None, typer.Option(help="The provider's service id")] = None,
    refill: Annotated[bool, typer.Option("--refill/--no-refill", help="Customers may ask for refills")] = False,
    cancel: Annotated[bool, typer.Option("--cancel/--no-cancel", help="Customers may cancel orders")] = False,
    dripfeed: Annotated[bool, typer.Option("--dripfeed/--no-dripfeed", help="Drip-feed orders allowed")] = False,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off (enable it with update)")] = False,
) -> None:
    """Add a service, active unless --disabled; prints its id. Refused: a name already used in the category."""
    spec = catalog.ServiceInput(
        name=name,
        category=category,
        rate=_rate(rate),
        min_quantity=min_,
        max_quantity=max_,
        type=type_,
        description=description,
        provider=provider,
        upstream_service=upstream_service,
        refill=refill,
        cancel=cancel,
        dripfeed=dripfeed,
    )
    service_id = write(catalog.add_service, spec=spec, active=not disabled)
    typer.echo(f"added service {service_id}: {name}")
    if provider is None:
        typer.echo(
            f"service {service_id} has no provider: it is not listed or sold until one is mapped "
            f"(flashpanel smm services update {service_id} --provider NAME --upstream-service ID)"
        )


@services_app.command("list")
def services_list() -> None:
    """Every service, active or not."""
    rows = read(catalog.all_services)
    table(
        [
            (
                r["id"],
                r["name"],
                r["category"],
                r["type"],
                format_cents(int(r["rate_cents"])),
                r["min_quantity"],
                r["max_quantity"],
                "active" if r["active"] else "disabled",
                r["provider"] or "none (not sold)",
                ",".join(flag for flag in catalog.FLAGS if r[flag]) or "-",
            )
            for r in rows
        ],
        ("ID", "NAME", "CATEGORY", "TYPE", "RATE", "MIN", "MAX", "STATUS", "PROVIDER", "ALLOWS"),
    )


@services_app.command("update")
def services_update(
    service_id: Annotated[int, typer.Argument(metavar="ID")],
    name: Annotated[str | None, typer.Option()] = None,
    category: Annotated[str | None, typer.Option()] = None,
    rate: Annotated[str | None, typer.Option(help="Price per 1000")] = None,
    min_: Annotated[int | None, typer.Option("--min")] = None,
    max_: Annotated[int | None, typer.Option("--max")] = None,
    type_: Annotated[str | None, typer.Option("--type")] = None,
    description: Annotated[str | None, typer.Option()] = None,
    provider: Annotated[str | None, typer.Option()] = None,
    upstream_service: Annotated[str | None, typer.Option()] = None,
    refill: Annotated[bool | None, typer.Option("--refill/--no-refill")] = None,
    cancel: Annotated[bool | None, typer.Option("--cancel/--no-cancel")] = None,
    dripfeed: Annotated[bool | None, typer.Option("--dripfeed/--no-dripfeed")] = None,
    enable: Annotated[bool, typer.Option("--enable", help="Make a disabled service active again")] = False,
) -> None:
    """Change some fields of a service (existing orders keep their price)."""
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "name": name,
            "category": category,
            "min_quantity": min_,
            "max_quantity": max_,
            "type": type_,
            "description": description,
            "provider": provider,
            "upstream_service": upstream_service,
            "refill": refill,
            "cancel": cancel,
            "dripfeed": dripfeed,
        }.items()
        if value is not None
    }
    if rate is not None:
        changes["rate"] = _rate(rate)
    if enable:
        changes["active"] = True
    if not changes:
        fail("nothing to change; give at least one option")
    write(catalog.update_service, service_id=service_id, changes=changes)
    typer.echo(f"updated service {service_id}")


@services_app.command("disable")
def services_disable(service_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Hide a service from the catalog and refuse new orders for it (running orders go on)."""
    write(catalog.set_active, service_id=service_id, active=False)
    typer.echo(f"disabled service {service_id}")


@services_app.command("import")
def services_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV with a header line, or a JSON array")],
) -> None:
    """Create or update services from a file, all or nothing. Columns/keys: id, name, category, type,
    rate, min, max, description, provider, upstream_service. A row with an id, or with the name and
    category of an existing service, updates it."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {str(file)!r}: {exc.strerror or exc}")
    fmt = "json" if file.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")) else "csv"
    rows = write(catalog.parse_catalog_and_import, text=text, fmt=fmt)
    created, updated = rows
    typer.echo(f"imported {created + updated} service(s): {created} created, {updated} updated")


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


@orders_app.command("list")
def orders_list(
    user: Annotated[str | None, typer.Option(help="Only this customer's orders")] = None,
    status: Annotated[str | None, typer.Option(help="Only orders in this status")] = None,
    attention: Annotated[
        bool, typer.Option("--attention", help="Only orders flagged for you (the provider does not know them)")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
) -> None:
    """The newest orders. ATTENTION says why an order needs you: check it at its provider, then complete
    it or cancel it (refund) with set-status / cancel, or resend it if the provider has no record of it."""
    rows = read(admin.list_orders, user=user, status=status, attention=attention, limit=limit)
    table(
        [
            (
                r["id"],
                r["customer"],
                r["service"],
                r["quantity"],
                format_cents(int(r["charge_cents"])),
                format_cents(int(r["refunded_cents"])),
                r["status"],
                r["remains"],
                r["upstream_order_id"],
                _when(float(r["created_at"])),
                r["last_error"],
                r["attention"],
            )
            for r in rows
        ],
        (
            "ID", "CUSTOMER", "SERVICE", "QTY", "CHARGE", "REFUNDED", "STATUS", "REMAINS", "UPSTREAM", "CREATED",
            "ERROR", "ATTENTION",
        ),
    )  # fmt: skip


@orders_app.command("cancel")
def orders_cancel(order_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Cancel an unfinished order and refund its whole charge (the upstream is not told)."""
    applied = write(admin.cancel_order, order_id=order_id)
    typer.echo(f"order {order_id}: cancelled, refunded {format_cents(applied.refunded_cents)}")


@orders_app.command("set-status")
def orders_set_status(
    order_id: Annotated[int, typer.Argument(metavar="ID")],
    status: Annotated[str, typer.Argument(metavar="STATUS")],
    remains: Annotated[int | None, typer.Option(help="Undelivered quantity (required for partial)")] = None,
) -> None:
    """Move an order forward (processing, in_progress, completed, partial, cancelled), refunding what the
    new status says: partial refunds charge * remains / quantity, cancelled the whole charge."""
    applied = write(admin.set_status, order_id=order_id, status=status, remains=remains)
    typer.echo(
        f"order {order_id}: {applied.previous} -> {applied.status}, remains {applied.remains}, "
        f"refunded {format_cents(applied.refunded_cents)}"
    )


@orders_app.command("resend")
def orders_resend(
    order_id: Annotated[int, typer.Argument(metavar="ID")],
    note: Annotated[str | None, typer.Option(help="Why, for the audit log")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="I checked at the provider that it has no record of it")] = False,
) -> None:
    """Send a flagged order (its provider says it does not know it) to its provider again. Check at the
    provider first that it has no record of the order: the whole order is placed again; the customer is
    not charged again. Audited as cli:<system user>."""
    if not yes:
        typer.confirm(
            f"Order {order_id}: did you check at the provider that it has no record of this order? "
            "The whole order will be placed again (the customer is not charged again)",
            abort=True,
        )
    resent = write(back_office.smm_resend, actor=cli_actor(), order_id=order_id, checked_upstream=True, note=note)
    typer.echo(
        f"order {order_id}: {resent.previous} -> pending (was upstream order {resent.previous_upstream_order_id}); "
        "it is submitted again shortly"
    )
