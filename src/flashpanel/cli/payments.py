"""``flashpanel payments``: top-ups for the operator. Every command takes the top-up's reference; the
logic is in ``payments/`` (the back office calls the same functions)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from flashpanel.admin import payments as back_office
from flashpanel.admin.audit import cli_actor
from flashpanel.cli.common import database, fail, read, table, write
from flashpanel.config import get_settings
from flashpanel.payments.credit import confirm_topup
from flashpanel.payments.gateways import configured_gateways
from flashpanel.payments.topups import STATUSES, Topup, find_topup, list_for_operator

app = typer.Typer(help="Wallet top-ups: gateway payments and bank transfers.", no_args_is_help=True)

StatusChoice = StrEnum("StatusChoice", {s: s for s in STATUSES})  # type: ignore[misc]


def _when(epoch: float | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def _line(topup: Topup) -> str:
    return f"{topup.reference}: {topup.status} ({topup.gateway}, {topup.amount} {topup.currency})"


@app.command("list")
def list_command(
    status: Annotated[StatusChoice | None, typer.Option(help="Only top-ups in this state")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first")] = 100,
) -> None:
    """Top-ups, newest first: reference, customer, gateway, amount, status, note."""
    lines = read(list_for_operator, status=None if status is None else status.value, limit=limit)
    table(
        [
            (t.reference, name, t.gateway, t.amount, t.gross, t.currency, t.status, _when(t.created_at), t.note)
            for t, name in lines
        ],
        ("REFERENCE", "CUSTOMER", "GATEWAY", "AMOUNT", "GROSS", "CUR", "STATUS", "CREATED (UTC)", "NOTE"),
    )


@app.command("recheck")
def recheck(reference: str) -> None:
    """Ask the gateway about a top-up now and credit it if it is paid (never twice)."""
    settings = get_settings()
    gateways = configured_gateways(settings)
    with database(settings) as db:

        async def run() -> tuple[Topup | None, str | None, bool, str | None]:
            topup = await db.read(find_topup, reference=reference)
            if topup is None:
                return None, None, False, None
            result = await confirm_topup(db, gateways, reference=reference, gateway=topup.gateway)
            return topup, result.status, result.credited_now, result.problem

        topup, status, credited, problem = asyncio.run(run())
    if topup is None:
        fail(f"no top-up with reference {reference!r}")
    if topup.gateway not in gateways:
        fail(f"{reference} is a {topup.gateway} top-up ({topup.status}); only a configured gateway can be asked")
    if problem:
        fail(f"{reference}: the gateway could not be asked: {problem}")
    typer.echo(f"{reference}: {status}" + (" (credited now)" if credited else ""))


@app.command("approve")
def approve(reference: str) -> None:
    """Credit a bank transfer awaiting approval (once; audited as ``cli:<system user>``)."""
    typer.echo(_line(write(back_office.approve, actor=cli_actor(), reference=reference)))


@app.command("reject")
def reject(
    reference: str,
    note: Annotated[str, typer.Option(help="Why (shown to the operator; kept on the top-up)")],
) -> None:
    """Refuse a bank transfer awaiting approval; nothing is credited (audited as ``cli:<system user>``)."""
    typer.echo(_line(write(back_office.reject, actor=cli_actor(), reference=reference, note=note)))
