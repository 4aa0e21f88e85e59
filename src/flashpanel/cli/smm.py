import typer

app = typer.Typer(help="smm commands.", no_args_is_help=True)
