import typer

from flashpanel.cli.common import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply all pending migrations (creates a SQLite database that does not exist yet)."""
    migrate()
