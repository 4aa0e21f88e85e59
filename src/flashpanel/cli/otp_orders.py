"""``flashpanel otp orders``: OTP orders, and those waiting for the operator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from flashpanel.cli.common import read, table, write
from flashpanel.otp import admin
from flashpanel.wallet.money import format_cents

app = typer.Typer(help="OTP orders.", no_args_is_help=True)


@app.command("list")
def orders_list(
    user: Annotated[str | None, typer.Option(help="Only this customer's orders")] = None,
    status: Annotated[str | None, typer.Option(help="Only orders in this status")] = None,
    attention: Annotated[
        bool, typer.Option("--attention", help="Only orders flagged for you (a number not released upstream)")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
) -> None:
    """The newest orders. ATTENTION says why an order needs you: cancel that activation at the provider,
    then `flashpanel otp orders resolve ID`."""
    rows = read(admin.list_orders, user=user, status=status, attention=attention, limit=limit)
    table(
        [
            (
                r["id"],
                r["customer"],
                r["country"],
                r["service"],
                r["phone_number"],
                format_cents(int(r["charge_cents"])),
                r["status"],
                r["provider_id"] or "simulator",
                r["upstream_activation_id"],
                datetime.fromtimestamp(float(r["created_at"]), UTC).strftime("%Y-%m-%d %H:%M:%S"),
                r["last_error"],
                r["attention"],
            )
            for r in rows
        ],
        (
            "ID", "CUSTOMER", "COUNTRY", "SERVICE", "NUMBER", "CHARGE", "STATUS", "PROVIDER", "ACTIVATION", "CREATED",
            "ERROR", "ATTENTION",
        ),
    )  # fmt: skip


@app.command("resolve")
def orders_resolve(order_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Mark a flagged order handled (you released its number at the provider); nothing else changes."""
    write(admin.resolve, order_id=order_id)
    typer.echo(f"order {order_id}: attention cleared")
