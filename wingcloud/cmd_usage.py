"""`wingcloud usage export`: an app's metered usage as CSV, one row per environment and UTC day.

It asks the REST API (`GET /api/apps/{id}/usage`), so the same command exports from `wingcloud serve` and
from the AWS stack's ingress (`--url`, `--token`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import typer

from wingcloud.errors import CommandError

app = typer.Typer(help="Metered usage: running seconds per environment and UTC day.", no_args_is_help=True)
COLUMNS = ("date", "app_id", "environment_id", "type", "branch", "pr_number", "running_seconds")
BOUND_HELP = "a UTC date (2026-11-01) or a time with a zone (2026-11-01T09:30:00Z)"


@app.command("export")
def export(
    app_id: str = typer.Argument(..., metavar="APP_ID", help="The app (app_...)."),
    start: str = typer.Option(..., "--from", metavar="WHEN", help=f"Start, inclusive: {BOUND_HELP}."),
    end: str = typer.Option(..., "--to", metavar="WHEN", help=f"End, exclusive: {BOUND_HELP}."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here (default: stdout)."),
    url: str = typer.Option(
        "http://127.0.0.1:8080", "--url", metavar="URL", help="The API's base URL (`wingcloud serve`, or the ingress)."
    ),
    token: str | None = typer.Option(
        None, "--token", metavar="TOKEN", envvar="WINGCLOUD_API_TOKEN", help="The API token (default: the data dir's)."
    ),
    data_dir: Path = typer.Option(
        Path(".wingcloud"), "--data-dir", metavar="DIR", help="The server's data dir (its API token is there)."
    ),
) -> None:
    """Export an app's running seconds in [--from, --to) as CSV: date, environment, type, seconds."""
    import httpx

    headers = {"Authorization": f"Bearer {token or api_token(data_dir)}"}
    try:
        with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as client:
            body = fetch_usage(client, app_id, start, end)
    except httpx.TransportError as error:
        raise CommandError(f"cannot reach {url} ({error}): is `wingcloud serve` running there? (--url)") from None
    text = usage_csv(body)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(text.splitlines()) - 1} row(s) to {output}", err=True)


def fetch_usage(client: Any, app_id: str, start: str, end: str) -> dict[str, Any]:
    """The API's answer for the app and period (`client`: an httpx.Client with the base URL and the token);
    raises CommandError with the server's reason for anything but 200."""
    response = client.get(f"/api/apps/{app_id}/usage", params={"from": start, "to": end})
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise CommandError(f"the API answered {response.status_code} for the usage of {app_id}: {detail}")
    body: dict[str, Any] = response.json()
    return body


def usage_csv(body: dict[str, Any]) -> str:
    """One row per environment and UTC day it ran, in day then environment order; seconds as exact decimals."""
    rows = [
        (day["date"], body["app_id"], env["environment_id"], env["type"], env["branch"], env["pr_number"], day)
        for env in body["environments"]
        for day in env["days"]
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for date, app_id, environment_id, kind, branch, pr_number, day in sorted(rows, key=lambda r: (r[0], r[2])):
        pr = "" if pr_number is None else pr_number
        writer.writerow((date, app_id, environment_id, kind, branch, pr, decimal_seconds(day["running_seconds"])))
    return out.getvalue()


def decimal_seconds(value: float) -> str:
    """7200.0 -> "7200", 600.5 -> "600.5": microseconds at most, no float noise."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def api_token(data_dir: Path) -> str:
    """The server's API token: WINGCLOUD_API_TOKEN, else the one kept in its data dir."""
    if value := os.environ.get("WINGCLOUD_API_TOKEN"):
        return value
    path = data_dir / "credentials.json"
    try:
        return str(json.loads(path.read_text())["api_token"])
    except FileNotFoundError:
        raise CommandError(
            f"no API token: {path} does not exist. Give --token (or WINGCLOUD_API_TOKEN), or point --data-dir "
            "at the data dir of `wingcloud serve`"
        ) from None
    except (ValueError, KeyError) as error:
        raise CommandError(f"no API token in {path}: {type(error).__name__}: {error}") from None
