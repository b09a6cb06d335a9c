"""`wingcloud`: one entry point for the contract tools and, as they land, every backend."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from spec import SPEC_PATH, SpecError
from spec.contract import Contract
from wingcloud import _help, cmd_deploy, cmd_docs, cmd_serve, cmd_sim, cmd_spec_diff, cmd_trigger
from wingcloud.errors import one_line

_help.plain_metavars()
app = typer.Typer(
    help="wing.cloud on events.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
spec_app = typer.Typer(help="The event contract: spec/asyncapi.yaml.", no_args_is_help=True)
app.add_typer(spec_app, name="spec")
spec_app.command("diff")(cmd_spec_diff.spec_diff)
spec_app.command("gate")(cmd_spec_diff.spec_gate)
app.add_typer(cmd_docs.app, name="docs")
app.add_typer(cmd_sim.app, name="sim")
app.add_typer(cmd_deploy.app, name="deploy")
app.command("serve")(cmd_serve.serve)
app.command("trigger")(cmd_trigger.trigger)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"


def _fail(error: SpecError) -> NoReturn:
    err.print(f"[red]spec is invalid[/red] ({len(error.problems)} problem(s)):")
    for problem in error.problems:
        err.print(f"  {problem.pointer or '/'}: {problem.message}", markup=False, highlight=False)
    raise typer.Exit(1)


def _load(path: Path) -> Contract:
    """Validate the spec, content filters included (with the bus's own pattern engine); exit 1 when invalid."""
    from bus.patterns import validate_pattern
    from spec.validate import validate_path

    try:
        return validate_path(path, pattern_check=validate_pattern)
    except SpecError as error:
        _fail(error)


@spec_app.command("validate")
def spec_validate(path: Path = typer.Argument(SPEC_PATH, help="AsyncAPI 3.0.0 file")) -> None:
    """Validate against the official AsyncAPI 3.0.0 schema and the project's rules."""
    from spec.graph import build_graph, lint_graph

    contract = _load(path)
    problems = lint_graph(build_graph(contract))
    if problems:
        _fail(SpecError(problems))
    out.print(
        f"{path}: valid AsyncAPI 3.0.0; {len(contract.messages)} messages, "
        f"{len(contract.services)} services, {len(contract.operations)} operations, {len(contract.rules())} rules"
    )


@spec_app.command("graph")
def spec_graph(path: Path = typer.Argument(SPEC_PATH, help="AsyncAPI 3.0.0 file")) -> None:
    """Print the service/event graph and lint it (orphans, unreachable services, unmarked cycles)."""
    from spec.graph import build_graph, lint_graph, render_text

    contract = _load(path)
    graph = build_graph(contract)
    out.print(render_text(graph), markup=False, highlight=False)
    problems = lint_graph(graph)
    if problems:
        _fail(SpecError(problems))


@spec_app.command("codegen")
def spec_codegen(
    check: bool = typer.Option(False, "--check", help="Exit 1 with a diff when events/ is stale."),
    path: Path = typer.Option(SPEC_PATH, "--spec", help="AsyncAPI 3.0.0 file"),
    target: Path = typer.Option(EVENTS_DIR, "--target", help="Where the events package lives"),
) -> None:
    """Generate the `events` package (pydantic models, registry, per-service tuples, schema bundle)."""
    from spec.codegen import require_generators, stale_diff, write

    require_generators()
    contract = _load(path)
    if check:
        diff = stale_diff(contract, target)
        if diff:
            out.print(diff, markup=False, highlight=False)
            err.print("[red]events/ is stale[/red]: run `wingcloud spec codegen`")
            raise typer.Exit(1)
        out.print("events/ is up to date")
        return
    written = write(contract, target)
    out.print(f"wrote {len(written)} file(s)" + "".join(f"\n  {p}" for p in written))


_debug = os.environ.get("WINGCLOUD_DEBUG") == "1"


def _version() -> str:
    try:
        return version("wingcloud")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed: pip install -e .)"


def _show_version(show: bool) -> None:
    if show:
        typer.echo(f"wingcloud {_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when a command fails."),
    show_version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """wing.cloud on events: the contract tools, the simulator, the local server, docs and deploys."""
    global _debug
    _debug = _debug or debug


def main() -> None:
    """Run the CLI; a failure is one or two lines saying what was wrong and the fix (`--debug`: the traceback)."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as error:
        if _debug or "--debug" in sys.argv[1:]:
            raise
        err.print("[red]error[/red]: ", end="")
        err.print(one_line(error), markup=False, highlight=False)
        err.print("(run with --debug for the traceback)", style="dim", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
