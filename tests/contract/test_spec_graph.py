"""The service/event graph: built from the spec, printed, and linted."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from spec import SPEC_PATH
from spec.contract import Contract
from spec.graph import build_graph, lint_graph, render_text, service_edges
from spec.loader import load_document


@pytest.fixture
def document() -> dict[str, Any]:
    return copy.deepcopy(load_document(SPEC_PATH))


def lint(document: dict[str, Any]) -> list[str]:
    return [p.message for p in lint_graph(build_graph(Contract.from_document(document)))]


def test_edges_run_service_to_message_to_service() -> None:
    edges = service_edges(build_graph(Contract.load()))
    assert ("github", "PullRequestOpened", "environments") in edges
    assert ("environments", "EnvironmentDeployRequested", "runtime") in edges
    assert ("runtime", "RuntimeProvisioned", "environments") in edges


def test_the_text_rendering_lists_triggers_and_flows() -> None:
    text = render_text(build_graph(Contract.load()))
    assert "[github-webhooks] -> github" in text
    assert "--EnvironmentDeployRequested--> runtime" in text


def test_a_planted_orphan_message_is_found(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    messages["ReportArchived"] = copy.deepcopy(messages["AppDeleted"]) | {"name": "ReportArchived"}
    assert "message ReportArchived is consumed by no service" in lint(document)
    assert "message ReportArchived is sent by no service" in lint(document)


def test_a_service_no_trigger_reaches_is_found(document: dict[str, Any]) -> None:
    document["x-services"]["billing"] = {"description": "nobody calls it", "triggers": []}
    assert "service billing is unreachable from every external trigger" in lint(document)


def test_a_cycle_must_be_marked(document: dict[str, Any]) -> None:
    assert lint(document) == []
    for name in ("RuntimeProvisioned", "RuntimeProvisioningFailed"):
        del document["components"]["messages"][name]["x-cycle-allowed"]
    problems = lint(document)
    assert any(p.startswith("cycle ") and "RuntimeProvisioned" in p for p in problems), problems


def test_sends_fired_by_a_trigger_do_not_close_cycles(document: dict[str, Any]) -> None:
    # github's PR events are caused by webhooks, not by the status changes github receives.
    del document["operations"]["github.publishPullRequestOpened"]["x-trigger"]
    problems = lint(document)
    assert any("PullRequestOpened" in p and p.startswith("cycle") for p in problems)


def test_rules_are_one_per_service_and_received_message() -> None:
    contract = Contract.load()
    rules = {r.name: r for r in contract.rules()}
    receive_ops = [o for o in contract.operations.values() if o.action == "receive"]
    assert len(rules) == len(receive_ops)
    endpoints = rules["endpoints--EnvironmentStatusChanged"]
    assert endpoints.pattern == {
        "source": ["wingcloud.environments"],
        "detail-type": ["EnvironmentStatusChanged"],
        "detail": {"status": ["running"]},
    }


def test_a_message_marked_external_or_terminal_is_no_orphan(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    messages["ReportArchived"] = copy.deepcopy(messages["AppDeleted"]) | {"name": "ReportArchived"}
    messages["ReportArchived"]["x-external"] = True
    assert "message ReportArchived is sent by no service" not in lint(document)
    assert "message ReportArchived is consumed by no service" in lint(document)
    messages["ReportArchived"]["x-terminal"] = True
    assert not any("ReportArchived" in p for p in lint(document))


def test_the_cli_prints_the_graph_and_fails_on_an_unreachable_service(tmp_path: Path, document: dict[str, Any]) -> None:
    clean = subprocess.run(
        [sys.executable, "-m", "wingcloud.cli", "spec", "graph"], capture_output=True, text=True, check=False
    )
    assert clean.returncode == 0, clean.stderr
    assert "[schedule] -> cleaner" in clean.stdout
    document["x-services"]["billing"] = {"description": "nobody calls it", "triggers": []}
    path = tmp_path / "asyncapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    result = subprocess.run(
        [sys.executable, "-m", "wingcloud.cli", "spec", "graph", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "/x-services/billing: service billing is unreachable from every external trigger" in result.stderr
    assert "Traceback" not in result.stderr
