import typer

from flashpanel import demo
from flashpanel.cli.common import database, secret_box
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
    """Add the demo catalog and the demo customer (idempotent). Prints the demo API key last."""
    key = seed_demo()
    typer.echo(f"demo catalog ready; demo customer {demo.DEMO_CUSTOMER!r}")
    typer.echo(key)
