"""`wingcloud docs traces`: run the documenting scenarios in-process and keep (or compare) their traces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wingcloud.docsgen.trace_plugin import TraceCollector
from wingcloud.docsgen.workflows import Workflow


@dataclass
class TraceReport:
    exit_code: int = 0
    written: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)  # traces of workflows no longer in the table
    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # scenarios that ran and failed
    pending: list[str] = field(default_factory=list)  # workflows whose scenario did not run

    @property
    def clean(self) -> bool:
        problems = self.stale or self.missing or self.orphaned or self.failed or self.pending
        return self.exit_code in (0, 5) and not problems


def run_scenarios(root: Path, workflows: Sequence[Workflow], extra: Sequence[str] = ()) -> tuple[int, TraceCollector]:
    """pytest on the workflows' feature files (the ones that exist), keeping only their scenarios."""
    collector = TraceCollector(workflows, root)
    features = sorted({w.feature for w in workflows})
    test_dirs = sorted({str((root / f).parent) for f in features if (root / f).is_file()})
    if not test_dirs:
        return 5, collector
    args = [*test_dirs, "-q", "-p", "no:cacheprovider", f"--rootdir={root}", *extra]
    return int(pytest.main(args, plugins=[collector])), collector


def record(root: Path, folder: Path, workflows: Sequence[Workflow], *, check: bool) -> TraceReport:
    code, collector = run_scenarios(root, workflows)
    report = TraceReport(exit_code=code)
    for workflow in workflows:
        path = folder / f"{workflow.name}.json"
        trace = collector.traces.get(workflow.name)
        if workflow.name in collector.failed:
            report.failed.append(workflow.name)
        elif trace is None:
            report.pending.append(f"{workflow.name}: scenario {workflow.scenario!r} in {workflow.feature} did not run")
        elif not path.is_file():
            report.missing.append(str(path))
        elif path.read_text(encoding="utf-8") != trace.to_json():
            report.stale.append(str(path))
    names = {w.name for w in workflows}
    report.orphaned = sorted(str(p) for p in folder.glob("*.json") if p.stem not in names) if folder.is_dir() else []
    if not check and code in (0, 5) and not report.failed:
        folder.mkdir(parents=True, exist_ok=True)
        for name, trace in sorted(collector.traces.items()):
            path = folder / f"{name}.json"
            if not path.is_file() or path.read_text(encoding="utf-8") != trace.to_json():
                path.write_text(trace.to_json(), encoding="utf-8")
                report.written.append(str(path))
        for orphan in report.orphaned:
            Path(orphan).unlink()
            report.deleted.append(orphan)
        report.missing, report.stale, report.orphaned = [], [], []
    return report
