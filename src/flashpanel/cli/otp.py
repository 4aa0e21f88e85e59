import typer

app = typer.Typer(help="otp commands.", no_args_is_help=True)
