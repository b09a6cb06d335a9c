"""`wingcloud serve`: the whole system as one local process on embedded SQLite."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    data_dir: Path = typer.Option(Path(".wingcloud"), "--data-dir", help="Where SQLite files and keys live."),
) -> None:
    """Run every service locally: webhooks, runtime reports, the REST API and the console, on SQLite."""
    import uvicorn

    from adapters.local.server import create_app
    from adapters.local.system import build_system
    from adapters.settings import LocalSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = LocalSettings()
    system = build_system(settings, data_dir.resolve(), f"http://{host}:{port}")
    base = system.base_url
    typer.echo(f"wingcloud: data in {data_dir.resolve()}")
    typer.echo(f"  console:      {base}/#token={system.credentials.api_token}")
    typer.echo(f"  webhook URL:  {base}/webhooks/github")
    typer.echo(f"  API token:    {system.credentials.api_token}")
    if "webhook_secret" in system.credentials.generated:
        typer.echo(f"  webhook secret (generated, kept in the data dir): {system.credentials.webhook_secret}")
    typer.echo("  outside world: " + ", ".join(f"{k}={v}" for k, v in system.outside.items()))
    app = create_app(system)
    # Everything loaded so far (schemas, models, the spec) lives as long as the process: keep it out of the
    # garbage collector's full passes, which otherwise walk all of it (~35 ms each) in the middle of bursts.
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
