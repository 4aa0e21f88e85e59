from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from flashpanel.admin import cli_money
from flashpanel.admin.audit import cli_actor
from flashpanel.cli.common import amount, database, fail, read, table, write
from flashpanel.config import get_settings
from flashpanel.customers import accounts, overview, service
from flashpanel.errors import FlashpanelError

app = typer.Typer(help="Customers (API users) and their wallets.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Username: 3-32 of a-z 0-9 _ . - (stored lower case)")],
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
    balance = write(cli_money.top_up, actor=cli_actor(), name=name, amount=credit, note=note)
    typer.echo(f"{name}: balance {balance}")


@app.command("adjust", context_settings=AMOUNT_ARGUMENT)
def adjust(
    name: str,
    value: Annotated[str, typer.Argument(metavar="AMOUNT", help="Signed: -100 debits 100, 100 credits 100")],
    note: Annotated[str | None, typer.Option(help="Why (required; kept in the ledger)")] = None,
) -> None:
    """Correct a customer's balance (one `adjustment` ledger entry). Never takes it below zero."""
    change = amount(value, signed=True)
    if note is None or not note.strip():
        fail("--note is required: say why the balance is corrected")
    balance = write(cli_money.adjust, actor=cli_actor(), name=name, amount=change, note=note)
    typer.echo(f"{name}: adjusted by {change}, balance {balance}")


@app.command("show")
def show(
    name: str,
    entries: Annotated[int, typer.Option(min=1, max=1000, help="How many recent ledger entries")] = 10,
) -> None:
    """A customer's balance, most recent ledger entries and orders per line."""
    view = read(overview.customer_overview, name=name, entries=entries)
    customer = view.customer
    typer.echo(
        f"customer {customer.name!r} (id {customer.id}), {'active' if customer.active else 'disabled'}, "
        f"created {_when(view.created_at)}"
    )
    typer.echo(f"balance {customer.balance} {get_settings().currency}")
    typer.echo("")
    table(
        [
            (line, sum(counts.values()), ", ".join(f"{status} {n}" for status, n in counts.items()) or "-")
            for line, counts in view.orders.items()
        ],
        ("LINE", "ORDERS", "BY STATUS"),
    )
    typer.echo("")
    typer.echo(f"newest ledger entries ({len(view.entries)}):")
    table(
        [
            (
                e.id,
                _when(e.created_at),
                e.kind,
                e.amount,
                e.balance_after,
                f"{e.order_kind} {e.order_id}" if e.order_kind else "",
                e.note,
            )
            for e in view.entries
        ],
        ("ID", "WHEN", "KIND", "AMOUNT", "BALANCE", "ORDER", "NOTE"),
    )


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


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
