"""``flashpanel admins``: the operators of the back office (never customers). Every change is audited
as ``cli:<system user>``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from flashpanel.admin import operators
from flashpanel.admin.audit import cli_actor
from flashpanel.cli.common import fail, read, table, write
from flashpanel.customers.passwords import hash_password
from flashpanel.errors import FlashpanelError

app = typer.Typer(help="Operators of the back office (/admin) and their two-factor log-in.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Operator name: 3-32 of a-z 0-9 _ . - (stored lower case)")],
    role: Annotated[str, typer.Option(help="owner (everything) or support (no money, catalog or operators)")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input instead of a prompt")
    ] = False,
) -> None:
    """Create an operator. The authenticator (TOTP) is enrolled at their first log-in to /admin."""
    password = _read_password(password_stdin)
    try:
        operators.check_operator_password(password)
    except FlashpanelError as exc:
        fail(exc.message)
    write(operators.create_operator, actor=cli_actor(), name=name, role=role, password_hash=hash_password(password))
    typer.echo(f"created operator {name.strip().lower()!r} ({role}); the first log-in at /admin enrols 2FA")


@app.command("list")
def list_() -> None:
    """Operators, their role, whether they enrolled 2FA, and their last log-in."""
    rows = read(operators.list_operators)
    table(
        [
            (
                o.id,
                o.name,
                o.role,
                "active" if o.active else "disabled",
                "enrolled" if o.enrolled else "not enrolled",
                _when(o.last_login_at),
            )
            for o in rows
        ],
        ("ID", "NAME", "ROLE", "STATUS", "2FA", "LAST LOG-IN"),
    )


def _when(epoch: float | None) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


@app.command("disable")
def disable(name: str) -> None:
    """Disable an operator: their sessions end at once and they can no longer log in."""
    write(operators.set_operator_active, actor=cli_actor(), name=name, active=False)
    typer.echo(f"{name}: disabled; their sessions have ended")


@app.command("enable")
def enable(name: str) -> None:
    """Re-enable a disabled operator."""
    write(operators.set_operator_active, actor=cli_actor(), name=name, active=True)
    typer.echo(f"{name}: enabled")


@app.command("reset-2fa")
def reset_2fa(name: str) -> None:
    """Forget an operator's authenticator (lost phone): their next log-in shows a new QR code."""
    write(operators.reset_two_factor, actor=cli_actor(), name=name)
    typer.echo(f"{name}: two-factor reset; their sessions have ended and the next log-in enrols a new authenticator")
