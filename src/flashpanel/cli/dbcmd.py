import typer

from flashpanel.cli.common import fail
from flashpanel.config import get_settings
from flashpanel.db.migrate import upgrade as run_upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply all pending migrations."""
    url = get_settings().database_url
    try:
        run_upgrade(url)
    except Exception as exc:
        fail(f"migration failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    typer.echo("database is up to date")
