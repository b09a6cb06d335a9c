"""`wingcloud docs` commands (being built)."""

import typer

app = typer.Typer(help="docs commands", no_args_is_help=True)
