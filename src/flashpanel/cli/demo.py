import typer

from flashpanel import demo
from flashpanel.cli.common import database, secret_box, write
from flashpanel.config import get_settings

app = typer.Typer(help="Demo catalog and customer.", no_args_is_help=True)


def seed_demo() -> str:
    """Seed the demo catalog and customer; return the demo API key."""
    settings = get_settings()
    box = secret_box()
    with database(settings) as db:
        db.write_sync(demo.seed_catalog, secrets=box)
        return db.write_sync(demo.ensure_demo_customer, key_file=settings.demo_key_file)


@app.command("seed")
def seed() -> None:
    """Add the demo catalog and the demo customer (idempotent). Prints the demo API key last. The demo
    catalog is sold by the built-in simulators, only while FLASHPANEL_SIMULATORS=true (`serve --demo`)."""
    key = seed_demo()
    typer.echo(f"demo catalog ready; demo customer {demo.DEMO_CUSTOMER!r}")
    if not get_settings().simulators:
        typer.echo("the demo catalog sells only with FLASHPANEL_SIMULATORS=true (or `flashpanel serve --demo`)")
    typer.echo(key)


@app.command("remove")
def remove() -> None:
    """Remove the demo customer and the demo catalog before going live. What an order refers to is
    disabled rather than deleted, so that order histories stay whole."""
    done = write(demo.remove)
    get_settings().demo_key_file.unlink(missing_ok=True)
    typer.echo(f"demo customer {demo.DEMO_CUSTOMER!r}: {done.customer}")
    for line, deleted, disabled in (
        ("smm services", done.smm_deleted, done.smm_disabled),
        ("otp services", done.otp_deleted, done.otp_disabled),
        ("account products", done.accounts_deleted, done.accounts_disabled),
    ):
        typer.echo(f"demo {line}: {deleted} deleted, {disabled} disabled (ordered before)")
