"""`wingcloud spec diff OLD NEW` and `wingcloud spec gate`: the breaking-change gate of the contract
(decision 0009). One line per change; exit 1 when one would break a deployed service and is not marked."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from spec import SpecError
from spec.diff import ACCEPTED, BREAKING, COMPATIBLE, Finding, Side, diff
from wingcloud.spec_sources import baseline, read_spec

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def _side(argument: str, cwd: Path) -> Side:
    text = read_spec(argument, cwd)
    return Side.of(text.document, text.label)


def report(old_argument: str, new_argument: str, cwd: Path) -> int:
    """Print the findings and a summary; the exit code: 1 when something breaks unmarked, else 0."""
    try:
        old, new = _side(old_argument, cwd), _side(new_argument, cwd)
        findings = diff(old, new)
    except SpecError as error:
        err.print(f"[red]cannot compare[/red] {old_argument} with {new_argument}:")
        for problem in error.problems:
            err.print(f"  {problem}", markup=False)
        return 1
    for finding in findings:
        style = {BREAKING: "red", ACCEPTED: "yellow", COMPATIBLE: "green"}[finding.verdict]
        out.print(finding.line(), style=style, markup=False)
    out.print(_summary(findings, old.label, new.label), markup=False)
    return 1 if any(f.verdict == BREAKING for f in findings) else 0


def _summary(findings: list[Finding], old: str, new: str) -> str:
    counts = {v: sum(f.verdict == v for f in findings) for v in (BREAKING, ACCEPTED, COMPATIBLE)}
    if not findings:
        return f"{old} -> {new}: no message changed"
    verdict = "BREAKING" if counts[BREAKING] else "compatible"
    parts = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    return f"{old} -> {new}: {verdict} ({len(findings)} change(s): {parts})"


def spec_diff(
    old: str = typer.Argument(..., metavar="OLD", help="the spec before: a file, a git revision or REV:path"),
    new: str = typer.Argument(..., metavar="NEW", help="the spec after: a file, a git revision or REV:path"),
) -> None:
    """Classify each message's change for its receivers and senders (backward, forward, full); exit 1 on a
    breaking change that is not marked with a new x-version (decision 0009)."""
    raise typer.Exit(report(old, new, Path.cwd()))


def spec_gate(
    new: str = typer.Argument("spec/asyncapi.yaml", metavar="NEW", help="the spec to check (a file or revision)"),
) -> None:
    """What CI runs: `spec diff` against the last release tag (v*), else the merge base with main."""
    cwd = Path.cwd()
    revision, why = baseline(cwd)
    err.print(f"comparing {new} with {why}", markup=False)
    raise typer.Exit(report(revision, new, cwd))


__all__ = ["report", "spec_diff", "spec_gate"]
