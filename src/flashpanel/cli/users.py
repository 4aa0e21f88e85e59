from __future__ import annotations

from typing import Annotated

import typer

from flashpanel.cli.common import amount, fail, read, table, write
from flashpanel.customers import service

app = typer.Typer(help="Customers (API users) and their wallets.", no_args_is_help=True)


@app.command("create")
def create(
    name: str,
    balance: Annotated[str, typer.Option(help="Opening balance, e.g. 15000 or 15000.00")] = "0",
) -> None:
    """Create a customer. The new API key is printed once, alone on the last line."""
    opening = amount(balance, what="balance")
    key = write(service.create_customer, name=name, initial_balance=opening)
    typer.echo(f"created customer {name!r} with balance {opening}")
    typer.echo(key)


# A negative amount typed as is (`topup alice -100`) must reach the amount parser, not Click's option
# parser, which would answer with a usage box about an unknown option "-1".
AMOUNT_ARGUMENT = {"ignore_unknown_options": True}


@app.command("topup", context_settings=AMOUNT_ARGUMENT)
def topup(
    name: str,
    value: Annotated[str, typer.Argument(metavar="AMOUNT")],
    note: Annotated[str | None, typer.Option(help="Shown in the ledger")] = None,
) -> None:
    """Credit a customer's wallet (one ledger entry)."""
    credit = amount(value, signed=True)
    if credit <= 0:
        fail(f"top-up amount must be positive, got {value.strip()!r} (a correction is `users adjust`)")
    balance = write(service.top_up, name=name, amount=credit, note=note)
    typer.echo(f"{name}: balance {balance}")


@app.command("list")
def list_() -> None:
    """List customers with their balances."""
    rows = read(service.list_customers)
    table(
        [(c.id, c.name, c.balance, "active" if c.active else "disabled") for c in rows],
        ("ID", "NAME", "BALANCE", "STATUS"),
    )


@app.command("disable")
def disable(name: str) -> None:
    """Disable a customer: their key stops working at once."""
    write(service.set_active, name=name, active=False)
    typer.echo(f"{name}: disabled")


@app.command("enable")
def enable(name: str) -> None:
    """Re-enable a disabled customer."""
    write(service.set_active, name=name, active=True)
    typer.echo(f"{name}: enabled")


@app.command("rotate-key")
def rotate_key(name: str) -> None:
    """Issue a new API key (printed alone on the last line); the old one stops working."""
    key = write(service.rotate_key, name=name)
    typer.echo(f"new key for {name!r}; the old key no longer works")
    typer.echo(key)
