"""The ``flashpanel`` command: one sub-command per noun."""

from __future__ import annotations

import typer

from flashpanel.cli import accounts, admins, dbcmd, demo, dev, otp, payments, providers, server, smm, users

app = typer.Typer(
    help="flashpanel: a reseller panel backend (SMM, OTP numbers, accounts).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(users.app, name="users")
app.add_typer(dbcmd.app, name="db")
app.add_typer(demo.app, name="demo")
app.add_typer(smm.app, name="smm")
app.add_typer(otp.app, name="otp")
app.add_typer(accounts.app, name="accounts")
app.add_typer(providers.app, name="providers")
app.add_typer(dev.app, name="dev")
app.add_typer(payments.app, name="payments")
app.add_typer(admins.app, name="admins")
server.register(app)


def main() -> None:
    app()
