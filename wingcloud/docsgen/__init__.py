"""Generated architecture docs: pages and diagrams from the spec, the traces of scenario runs and the code.

`build(spec, out, traces)` writes them (deleting pages whose subject is gone); with `check=True` it only
compares. This module stays light to import: the CLI loads it on every command.
"""

from __future__ import annotations

from pathlib import Path

from wingcloud.docsgen.output import HandWrittenFileError, Report
from wingcloud.docsgen.workflows import WORKFLOWS, Workflow

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
TRACES = DOCS / "traces"


def build(spec: Path, out: Path, traces: Path, *, check: bool = False) -> Report:
    """Render every page; with `check`, report missing/stale/orphaned files instead of writing."""
    from wingcloud.docsgen.output import compare, write
    from wingcloud.docsgen.site import load_inputs, render

    files = render(load_inputs(spec, traces))
    return compare(out, files) if check else write(out, files)


__all__ = ["DOCS", "REPO", "TRACES", "WORKFLOWS", "HandWrittenFileError", "Report", "Workflow", "build"]
