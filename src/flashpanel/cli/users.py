from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from flashpanel.cli.common import amount, database, fail, read, table, write
from flashpanel.config import get_settings
from flashpanel.customers import accounts, service
from flashpanel.errors import FlashpanelError

app = typer.Typer(help="Customers (API users) and their wallets.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Username: 3-32 of a-z 0-9 _ . - (stored lower case)")],
    balance: Annotated[str, typer.Option(help="Opening balance, e.g. 15000 or 15000.00")] = "0",
) -> None:
    """Create a customer. The new API key is printed once, alone on the last line."""
    opening = amount(balance, what="balance")
    if opening < 0:
        fail("balance must not be negative")
    key = write(service.create_customer, name=name, initial_balance=opening)
    typer.echo(f"created customer {name!r} with balance {opening}")
    typer.echo(key)


@app.command("topup")
def topup(
    name: str,
    value: Annotated[str, typer.Argument(metavar="AMOUNT")],
    note: Annotated[str | None, typer.Option(help="Shown in the ledger")] = None,
) -> None:
    """Credit a customer's wallet (one ledger entry)."""
    credit = amount(value)
    if credit <= 0:
        fail("top-up amount must be positive")
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


@app.command("reset-link")
def reset_link(name: str) -> None:
    """Print a password-reset link for the customer (single use, valid for an hour), to send them."""
    customer_id = read(service.customer_id_by_name, name=name)
    token = write(accounts.issue_reset_token, customer_id=customer_id)
    public_url = get_settings().public_url
    if public_url is None:
        public_url = "http://127.0.0.1:8000"
        typer.echo(f"note: FLASHPANEL_PUBLIC_URL is not set; the link uses {public_url}", err=True)
    typer.echo(accounts.reset_link(public_url, token))


@app.command("set-password")
def set_password(
    name: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (required)")
    ] = False,
) -> None:
    """Set a customer's web password; every web session of theirs ends."""
    if not password_stdin:
        fail("give the password on standard input with --password-stdin (never on the command line)")
    password = sys.stdin.readline().rstrip("\r\n")
    with database() as db:
        try:
            asyncio.run(accounts.set_password_for(db, name=name, password=password))
        except FlashpanelError as exc:
            fail(exc.message)
    typer.echo(f"{name}: password set; their web sessions have ended")
