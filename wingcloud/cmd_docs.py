"""`wingcloud docs`: generate the architecture docs, record the traces they draw from, check the diagrams."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from spec import SPEC_PATH
from wingcloud.docsgen import DOCS, TRACES
from wingcloud.docsgen import build as build_docs

app = typer.Typer(help="Generated architecture docs (docs/): build, check, record traces.", no_args_is_help=True)
err = Console(stderr=True)


def _say(text: str) -> None:
    typer.echo(text)  # plain lines: paths must not be wrapped or styled


@app.command("build")
def build(
    check: bool = typer.Option(
        False, "--check", help="Change nothing; exit 1 naming every stale, missing or orphaned file."
    ),
    spec: Path = typer.Option(SPEC_PATH, "--spec", help="AsyncAPI 3.0.0 file"),
    target: Path = typer.Option(DOCS, "--out", help="Docs folder to write"),
    traces: Path = typer.Option(TRACES, "--traces", help="Folder of recorded traces (<workflow>.json)"),
) -> None:
    """Write docs/ from the spec, the recorded traces and the environment transition table."""
    from wingcloud.docsgen import HandWrittenFileError

    started = time.perf_counter()
    try:
        report = build_docs(spec, target, traces, check=check)
    except (HandWrittenFileError, ValueError, KeyError) as exc:
        err.print(f"[red]docs build failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    elapsed = time.perf_counter() - started
    if check:
        problems = [("missing", report.missing), ("stale", report.stale), ("orphaned", report.orphaned)]
        for what, paths in problems:
            for path in paths:
                _say(f"{what}: {target / path}")
        if not report.clean:
            err.print("[red]docs are out of date[/red]: run `wingcloud docs build`")
            raise typer.Exit(1)
        _say(f"{target} is up to date ({elapsed:.2f} s)")
        return
    for path in report.written:
        _say(f"wrote {target / path}")
    for path in report.deleted:
        _say(f"deleted {target / path}")
    _say(f"{len(report.written)} written, {len(report.deleted)} deleted, in {elapsed:.2f} s")


@app.command("traces")
def traces(
    check: bool = typer.Option(
        False, "--check", help="Change nothing; exit 1 when a trace is stale, missing or pending."
    ),
    folder: Path = typer.Option(TRACES, "--traces", help="Folder of recorded traces (<workflow>.json)"),
) -> None:
    """Run the scenario of every documented workflow on the simulator and keep its trace (docs/traces/)."""
    from wingcloud.docsgen import REPO, WORKFLOWS
    from wingcloud.docsgen.record import record

    report = record(REPO, folder, WORKFLOWS, check=check)
    for path in report.written:
        _say(f"wrote {path}")
    for path in report.deleted:
        _say(f"deleted {path}")
    problems = [("stale", report.stale), ("missing", report.missing), ("orphaned", report.orphaned)]
    for what, items in [*problems, ("failed", report.failed)]:
        for item in items:
            _say(f"{what}: {item}")
    for item in report.pending:
        _say(f"pending: {item}")
    if report.exit_code not in (0, 5):
        err.print(f"[red]the scenarios failed[/red] (pytest exit code {report.exit_code}); no trace written")
        raise typer.Exit(1)
    if check and not report.clean:
        err.print("[red]traces are out of date[/red]: run `wingcloud docs traces && wingcloud docs build`")
        raise typer.Exit(1)
    if not check and report.written:
        _say("now run `wingcloud docs build`")


@app.command("screenshots")
def screenshots(
    target: Path = typer.Option(DOCS / "screenshots", "--out", help="Folder to write the pictures to"),
) -> None:
    """Photograph the console (map, inspector, trace waterfall) from a real `wingcloud serve`, for the README."""
    from wingcloud.docsgen.screenshots import ScreenshotError, take
    from wingcloud.tools import MissingToolError

    try:
        written = take(target)
    except (ScreenshotError, MissingToolError) as exc:
        err.print(f"[red]no screenshots[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    for path in written:
        _say(f"wrote {path}")


@app.command("check-mermaid")
def check_mermaid(
    target: Path = typer.Argument(DOCS, help="Markdown file or folder"),
    svg_dir: Path | None = typer.Option(None, "--svg-dir", help="Also write each rendered diagram here"),
) -> None:
    """Render every ```mermaid block with mermaid-cli's mermaid in Debian's Chromium; exit 1 naming bad ones."""
    from wingcloud.docsgen.mermaid import MermaidToolError
    from wingcloud.docsgen.mermaid import check_mermaid as run_check

    try:
        code = run_check(target, svg_dir)
    except MermaidToolError as exc:
        err.print(f"[red]cannot check mermaid[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from exc
    raise typer.Exit(code)
