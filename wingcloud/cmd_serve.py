"""`wingcloud serve`: the whole system as one local process (being built)."""

import typer


def serve() -> None:
    """Run every service locally on embedded SQLite."""
    typer.echo("not built yet")
    raise typer.Exit(1)
