import typer

app = typer.Typer(help="accounts commands.", no_args_is_help=True)
