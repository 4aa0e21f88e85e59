import typer

app = typer.Typer(help="providers commands.", no_args_is_help=True)
