"""A pytest plugin that keeps the simulator's trace of the scenarios that document a workflow.

`wingcloud docs traces` runs the features in-process with a `TraceCollector`; loaded with
`-p wingcloud.docsgen.trace_plugin --docs-traces DIR` it also works on a plain pytest run of `features/` (it
writes DIR/<workflow>.json when the whole run passed).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from spec.contract import Contract
from wingcloud.docsgen.schema import fact_fields
from wingcloud.docsgen.traces import Trace, normalised
from wingcloud.docsgen.workflows import WORKFLOWS, Workflow

_OPTION = "--docs-traces"


class TraceCollector:
    """After each wanted scenario, the whole trace of its `world` fixture (`world.trace()`, every record)."""

    def __init__(self, workflows: Iterable[Workflow], root: Path, *, only_wanted: bool = True) -> None:
        self._wanted = {(str((root / w.feature).resolve()), w.scenario): w for w in workflows}
        self._only_wanted = only_wanted
        self.traces: dict[str, Trace] = {}
        self.failed: set[str] = set()
        contract = Contract.load()
        schemas = {name: m.schema_name for name, m in contract.messages.items()}
        self._facts = fact_fields(schemas, contract.schema_components())

    def _workflow(self, feature: Any, scenario: Any) -> Workflow | None:
        return self._wanted.get((str(Path(feature.filename).resolve()), str(scenario.name)))

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Deselect every other scenario (when pytest-bdd tells which scenario an item runs)."""
        if not self._only_wanted:
            return
        # pytest-bdd's own map of test function -> scenario (what its generation module reads too).
        registry = getattr(importlib.import_module("pytest_bdd.scenario"), "scenario_wrapper_template_registry", None)
        if registry is None:
            return
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            template = registry.get(getattr(item, "obj", None))
            wanted = template is not None and self._workflow(template.feature, template) is not None
            (keep if wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_bdd_step_error(self, request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
        workflow = self._workflow(feature, scenario)
        if workflow is not None:
            self.failed.add(workflow.name)

    def pytest_bdd_after_scenario(self, request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
        workflow = self._workflow(feature, scenario)
        if workflow is None or workflow.name in self.traces:
            return  # the first example of a scenario outline documents it
        records = normalised(_records(request.getfixturevalue("world")), self._facts)
        self.traces[workflow.name] = Trace(workflow.name, workflow.feature, workflow.scenario, records)


def _records(world: Any) -> Any:
    """`world.trace()` (sim.world.WorldLike, any backend), else the simulator bus's own recorder."""
    trace = getattr(world, "trace", None)
    return trace() if callable(trace) else world.bus.trace.records()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(_OPTION, metavar="DIR", default=None, help="write the traces of the documented workflows")


def pytest_configure(config: pytest.Config) -> None:
    folder = config.getoption(_OPTION)
    if folder:
        collector = TraceCollector(WORKFLOWS, config.rootpath, only_wanted=False)
        config.stash[_KEY] = (collector, Path(folder))
        config.pluginmanager.register(collector, "wingcloud-docs-traces")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stashed = session.config.stash.get(_KEY, None)
    if stashed is None or exitstatus != 0:
        return
    collector, folder = stashed
    folder.mkdir(parents=True, exist_ok=True)
    for name, trace in sorted(collector.traces.items()):
        (folder / f"{name}.json").write_text(trace.to_json(), encoding="utf-8")


_KEY = pytest.StashKey[tuple[TraceCollector, Path]]()
