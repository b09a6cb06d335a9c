"""`wingcloud docs`: generated pages follow the spec, the traces and the code; hand-written files are safe.

Every build here writes into a temporary folder from a temporary copy of the spec, never into docs/.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from typer.testing import CliRunner

import events
from bus.retry import RetryPolicy
from ports import Ports, ServiceDefinition
from sim.bus import Bus
from sim.clock import VirtualClock
from spec import SPEC_PATH
from spec.contract import Contract
from wingcloud.cli import app
from wingcloud.docsgen import HandWrittenFileError, build
from wingcloud.docsgen.output import MANIFEST
from wingcloud.docsgen.page_event import InvalidExampleError
from wingcloud.docsgen.page_states import states_page
from wingcloud.docsgen.page_workflow import workflow_page
from wingcloud.docsgen.schema import fact_fields
from wingcloud.docsgen.sequence import label, varying_facts
from wingcloud.docsgen.site import trigger_lookup
from wingcloud.docsgen.traces import Record, Trace, TraceFormatError, normalised, read_trace
from wingcloud.docsgen.transitions import TransitionTableError, from_table, load_state_machine
from wingcloud.docsgen.workflows import WORKFLOWS, Workflow

REPO = Path(__file__).resolve().parents[2]
ARROW = re.compile(r"^\s+([ap]_\w+)(->>|-x|--x|-->>)([ap]_\w+): (.*)$")


# --- helpers ---------------------------------------------------------------------------------------------


def load_spec(path: Path) -> dict[str, Any]:
    return cast(dict[str, Any], yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))


def save_spec(document: dict[str, Any], path: Path) -> Path:
    text = yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def docs_cli(*args: str) -> Any:
    return CliRunner().invoke(app, ["docs", *args])


def example_event(contract: Contract, name: str, **changes: Any) -> events.Event:
    payload = dict(contract.messages[name].examples[0]["payload"])
    payload.pop("metadata", None)
    return events.REGISTRY[name].model_validate({**payload, **changes})


def toy_trace() -> Trace:
    """A pull request opened on the real bus with toy handlers: a retry, a success after it, a dead letter."""
    contract = Contract.load()
    attempts = {"runtime": 0}

    def create_environment(event: Any, ports: Any) -> list[events.Event]:
        return [example_event(contract, "EnvironmentCreated"), example_event(contract, "EnvironmentDeployRequested")]

    def provision(event: Any, ports: Any) -> list[events.Event]:
        attempts["runtime"] += 1
        if attempts["runtime"] == 1:
            raise RuntimeError("fly.io timed out")
        return [example_event(contract, "RuntimeProvisioned")]

    def mark_deploying(event: Any, ports: Any) -> list[events.Event]:
        return [example_event(contract, "EnvironmentStatusChanged")]

    def clear_logs(event: Any, ports: Any) -> list[events.Event]:
        raise RuntimeError("blob store down")

    bus = Bus(contract, VirtualClock(datetime(2026, 11, 28, tzinfo=UTC)), retry=RetryPolicy(maximum_attempts=1))
    ports = cast(Ports, object())  # the toy handlers touch no port
    registry = events.REGISTRY
    bus.register(
        ServiceDefinition(
            "environments",
            {registry["PullRequestOpened"]: create_environment, registry["RuntimeProvisioned"]: mark_deploying},
        ),
        ports,
        partial=True,
    )
    bus.register(ServiceDefinition("runtime", {registry["EnvironmentDeployRequested"]: provision}), ports, partial=True)
    bus.register(ServiceDefinition("logs", {registry["EnvironmentDeployRequested"]: clear_logs}), ports, partial=True)
    bus.publish("github", [example_event(contract, "PullRequestOpened")])
    bus.run_until_quiet()
    schemas = {name: m.schema_name for name, m in contract.messages.items()}
    records = normalised(bus.trace.records(), fact_fields(schemas, contract.schema_components()))
    return Trace("pull-request-opened", "features/pull_requests.feature", "toy", records)


def sequence_block(page: str) -> str:
    return page.split("## Sequence", 1)[1].split("```mermaid\n", 1)[1].split("```", 1)[0]


def arrows(diagram: str) -> list[str]:
    """`source -> target: label` for each arrow, participants by their displayed name."""
    names = dict(re.findall(r"^\s+(?:participant|actor) (\w+) as (.+)$", diagram, re.MULTILINE))
    out = []
    for line in diagram.splitlines():
        match = ARROW.match(line)
        if match:
            source, _, target, label = match.groups()
            out.append(f"{names[source]} -> {names[target]}: {label}")
    return out


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("traces")
    (folder / "pull-request-opened.json").write_text(toy_trace().to_json(), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, traces: Path) -> Path:
    """The docs of the real spec and the toy trace, built once for the read-only tests."""
    out = tmp_path_factory.mktemp("docs")
    build(SPEC_PATH, out, traces)
    return out


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    return Path(shutil.copy(SPEC_PATH, tmp_path / "asyncapi.yaml"))


# --- what a build writes ---------------------------------------------------------------------------------


@pytest.mark.needs_tool("dot")
def test_a_build_writes_every_page_and_lists_it_in_the_manifest(built: Path) -> None:
    contract = Contract.load()
    expected = {"index.md", "architecture.svg", "environment-states.md"}
    expected |= {f"services/{s}.md" for s in contract.services} | {f"events/{m}.md" for m in contract.messages}
    assert expected <= set(files_of(built))
    listed = {line for line in (built / MANIFEST).read_text().splitlines() if not line.startswith("#")}
    assert listed == set(files_of(built)) - {MANIFEST}


@pytest.mark.needs_tool("dot")
def test_the_field_table_resolves_refs_to_their_type_format_and_enum(built: Path) -> None:
    page = (built / "events" / "EnvironmentStatusChanged.md").read_text()
    assert "| `sha` | string (`CommitSha`) | yes | pattern `^[0-9a-f]{40}$` |" in page
    assert "| `previous_status` | string (`EnvironmentStatus`) or null | yes | one of `initializing`," in page
    assert (
        "| `endpoints[].url` | string | yes | format `uri`; pattern `^https?://[^\\s/?#]+[^\\s]*$`; length ≤ 2048 |"
        in page
    )
    assert "| `metadata.occurred_at` | string | yes | format `date-time` |" in page


@pytest.mark.needs_tool("dot")
def test_an_event_page_shows_its_validated_example_and_every_rule_pattern_from_the_contract(built: Path) -> None:
    contract = Contract.load()
    page = (built / "events" / "EnvironmentStatusChanged.md").read_text()
    example = contract.messages["EnvironmentStatusChanged"].examples[0]["payload"]
    assert json.dumps(example, indent=2, ensure_ascii=False) in page
    rules = [r for r in contract.rules() if r.message == "EnvironmentStatusChanged"]
    assert rules
    for rule in rules:
        assert f"### `{rule.name}`" in page
        assert json.dumps(rule.pattern, indent=2, sort_keys=True) in page
    assert f"{len(rules)} rules (one per receiving service)" in page
    assert "One rule (one per receiving service)" in (built / "events" / "CleanupDue.md").read_text()


@pytest.mark.needs_tool("dot")
def test_a_service_page_lists_its_rules_and_sends(built: Path) -> None:
    contract = Contract.load()
    page = (built / "services" / "endpoints.md").read_text()
    for rule in (r for r in contract.rules() if r.service == "endpoints"):
        assert f"`{rule.pattern_json}`" in page
    for message in contract.sends("endpoints"):
        assert f"[{message}](../events/{message}.md)" in page


@pytest.mark.needs_tool("dot")
def test_architecture_svg_names_every_service_and_carries_no_graphviz_version(built: Path) -> None:
    svg = (built / "architecture.svg").read_text()
    assert "graphviz version" not in svg
    for service in Contract.load().services:
        assert f">{service}</text>" in svg


# --- planted changes in the spec -------------------------------------------------------------------------


def plant_event(document: dict[str, Any]) -> None:
    """environments sends PreviewPinned; notifications receives it."""
    document["channels"]["PreviewPinned"] = {
        "address": "wingcloud/PreviewPinned",
        "messages": {"PreviewPinned": {"$ref": "#/components/messages/PreviewPinned"}},
    }
    document["operations"]["environments.publishPreviewPinned"] = {
        "action": "send",
        "x-service": "environments",
        "channel": {"$ref": "#/channels/PreviewPinned"},
        "messages": [{"$ref": "#/channels/PreviewPinned/messages/PreviewPinned"}],
    }
    document["operations"]["notifications.onPreviewPinned"] = {
        "action": "receive",
        "x-service": "notifications",
        "channel": {"$ref": "#/channels/PreviewPinned"},
        "messages": [{"$ref": "#/channels/PreviewPinned/messages/PreviewPinned"}],
    }
    document["components"]["schemas"]["PreviewPinned"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["metadata", "environment_id", "pinned_until"],
        "properties": {
            "metadata": {"$ref": "#/components/schemas/EventMetadata"},
            "environment_id": {"$ref": "#/components/schemas/EnvironmentId"},
            "pinned_until": {"type": "string", "format": "date-time", "description": "Kept running until then."},
        },
    }
    metadata = document["components"]["messages"]["AppCreated"]["examples"][0]["payload"]["metadata"]
    document["components"]["messages"]["PreviewPinned"] = {
        "name": "PreviewPinned",
        "summary": "A preview was pinned so the cleaner leaves it alone.",
        "payload": {"$ref": "#/components/schemas/PreviewPinned"},
        "examples": [
            {
                "name": "example",
                "payload": {
                    "metadata": metadata,
                    "environment_id": "env_1b9d4e2f",
                    "pinned_until": "2026-12-01T00:00:00Z",
                },
            }
        ],
    }


@pytest.mark.needs_tool("dot")
def test_a_new_event_gets_its_page_and_shows_up_on_its_services_and_the_index(tmp_path: Path, spec_copy: Path) -> None:
    document = load_spec(spec_copy)
    plant_event(document)
    build(save_spec(document, spec_copy), tmp_path / "docs", tmp_path / "no-traces")
    docs = tmp_path / "docs"
    page = (docs / "events" / "PreviewPinned.md").read_text()
    assert "> A preview was pinned so the cleaner leaves it alone." in page
    assert "| `pinned_until` | string | yes | format `date-time` | Kept running until then. |" in page
    assert '"pinned_until": "2026-12-01T00:00:00Z"' in page
    assert '"source": [\n    "wingcloud.environments"\n  ]' in page  # the rule notifications--PreviewPinned
    assert "[PreviewPinned](../events/PreviewPinned.md)" in (docs / "services" / "environments.md").read_text()
    assert "`notifications--PreviewPinned`" in (docs / "services" / "notifications.md").read_text()
    assert "[PreviewPinned](events/PreviewPinned.md)" in (docs / "index.md").read_text()
    assert "PreviewPinned" in (docs / "architecture.svg").read_text()


@pytest.mark.needs_tool("dot")
def test_a_renamed_field_is_renamed_on_the_event_page(tmp_path: Path, spec_copy: Path) -> None:
    document = load_spec(spec_copy)
    schema = document["components"]["schemas"]["PullRequestOpened"]
    schema["properties"] = {("head_commit" if k == "head_sha" else k): v for k, v in schema["properties"].items()}
    schema["required"] = [("head_commit" if k == "head_sha" else k) for k in schema["required"]]
    example = document["components"]["messages"]["PullRequestOpened"]["examples"][0]["payload"]
    example["head_commit"] = example.pop("head_sha")
    build(save_spec(document, spec_copy), tmp_path / "docs", tmp_path / "no-traces")
    page = (tmp_path / "docs" / "events" / "PullRequestOpened.md").read_text()
    assert "| `head_commit` | string (`CommitSha`) | yes |" in page
    assert '"head_commit": "' in page
    assert "head_sha" not in page
    assert "head_sha" in (tmp_path / "docs" / "events" / "PullRequestReopened.md").read_text()


def remove_event(document: dict[str, Any], name: str) -> None:
    del document["channels"][name]
    del document["components"]["schemas"][name]
    del document["components"]["messages"][name]
    document["operations"] = {
        op_id: op for op_id, op in document["operations"].items() if op["channel"]["$ref"] != f"#/channels/{name}"
    }


@pytest.mark.needs_tool("dot")
def test_a_removed_event_is_reported_by_check_then_deleted_by_a_build(tmp_path: Path, spec_copy: Path) -> None:
    docs, no_traces = tmp_path / "docs", tmp_path / "no-traces"
    build(spec_copy, docs, no_traces)
    assert (docs / "events" / "WebhookIgnored.md").is_file()
    document = load_spec(spec_copy)
    remove_event(document, "WebhookIgnored")
    save_spec(document, spec_copy)

    checked = build(spec_copy, docs, no_traces, check=True)
    assert "events/WebhookIgnored.md" in checked.orphaned
    assert (docs / "events" / "WebhookIgnored.md").is_file()

    report = build(spec_copy, docs, no_traces)
    assert report.deleted == ["events/WebhookIgnored.md"]
    assert not (docs / "events" / "WebhookIgnored.md").exists()
    assert "WebhookIgnored" not in (docs / MANIFEST).read_text()
    assert "WebhookIgnored" not in (docs / "index.md").read_text()
    assert "WebhookIgnored" not in (docs / "services" / "github.md").read_text()


@pytest.mark.needs_tool("dot")
def test_an_invalid_example_fails_the_build_naming_the_event(tmp_path: Path, spec_copy: Path) -> None:
    document = load_spec(spec_copy)
    document["components"]["messages"]["AppCreated"]["examples"][0]["payload"]["app_id"] = "not an app id"
    with pytest.raises(InvalidExampleError, match="AppCreated"):
        build(save_spec(document, spec_copy), tmp_path / "docs", tmp_path / "no-traces")


# --- check, hand-written files, determinism ---------------------------------------------------------------


@pytest.mark.needs_tool("dot")
def test_check_exits_1_naming_every_stale_missing_and_orphaned_file(tmp_path: Path, traces: Path) -> None:
    docs = tmp_path / "docs"
    options = ["--spec", str(SPEC_PATH), "--out", str(docs), "--traces", str(traces)]
    assert docs_cli("build", *options).exit_code == 0
    fresh = docs_cli("build", "--check", *options)
    assert fresh.exit_code == 0, fresh.output

    (docs / "events" / "AppCreated.md").write_text("edited by hand\n")
    (docs / "services" / "logs.md").unlink()
    orphan = docs / "events" / "Gone.md"
    orphan.write_text((docs / "events" / "AppDeleted.md").read_text())  # carries the marker
    stale = docs_cli("build", "--check", *options)

    assert stale.exit_code == 1
    assert f"stale: {docs / 'events' / 'AppCreated.md'}" in stale.output
    assert f"missing: {docs / 'services' / 'logs.md'}" in stale.output
    assert f"orphaned: {orphan}" in stale.output
    assert (docs / "events" / "AppCreated.md").read_text() == "edited by hand\n"  # --check changes nothing


@pytest.mark.needs_tool("dot")
def test_hand_written_files_are_never_touched(tmp_path: Path, spec_copy: Path) -> None:
    docs, no_traces = tmp_path / "docs", tmp_path / "no-traces"
    adr = docs / "decisions" / "0001-push-routing.md"
    notes = docs / "operations.md"
    adr.parent.mkdir(parents=True)
    adr.write_text("# Push routing\n\nProduction only.\n")
    notes.write_text("# Operations\n")
    build(spec_copy, docs, no_traces)
    document = load_spec(spec_copy)
    remove_event(document, "WebhookIgnored")
    build(save_spec(document, spec_copy), docs, no_traces)
    assert adr.read_text() == "# Push routing\n\nProduction only.\n"
    assert notes.read_text() == "# Operations\n"
    assert "decisions" not in (docs / MANIFEST).read_text()


@pytest.mark.needs_tool("dot")
def test_a_hand_written_file_where_a_page_would_go_stops_the_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Our own index\n")
    with pytest.raises(HandWrittenFileError, match=r"index\.md"):
        build(SPEC_PATH, docs, tmp_path / "no-traces")
    assert (docs / "index.md").read_text() == "# Our own index\n"
    assert not (docs / "events").exists()


@pytest.mark.needs_tool("dot")
def test_builds_are_byte_identical_and_a_rebuild_writes_nothing(tmp_path: Path, traces: Path, built: Path) -> None:
    again = tmp_path / "again"
    build(SPEC_PATH, again, traces)
    assert files_of(again) == files_of(built)
    assert build(SPEC_PATH, again, traces).written == []


# --- traces and sequence diagrams -------------------------------------------------------------------------


def test_a_trace_survives_its_json_round_trip_with_ids_renamed_in_order(tmp_path: Path) -> None:
    trace = toy_trace()
    path = tmp_path / "t.json"
    path.write_text(trace.to_json())
    assert read_trace(path) == trace
    assert [r.event_id for r in trace.records if r.kind == "published"] == ["e1", "e2", "e3", "e4", "e5"]
    assert {r.correlation_id for r in trace.records} == {"c1"}
    status = next(r for r in trace.records if r.detail_type == "EnvironmentStatusChanged")
    assert status.facts == (("type", "preview"), ("previous_status", "running-server"), ("status", "running"))
    assert toy_trace().to_json() == trace.to_json()


def test_a_trace_record_of_an_unknown_kind_is_refused_naming_the_file_and_the_kind(tmp_path: Path) -> None:
    # Records are read back through the shared codec: the kinds are the kernel's (bus.trace.TraceKind).
    document = json.loads(toy_trace().to_json())
    document["records"][0]["kind"] = "teleported"
    path = tmp_path / "t.json"
    path.write_text(json.dumps(document))
    with pytest.raises(TraceFormatError, match=r"t\.json: malformed trace: .*record 1: kind: .* \(got 'teleported'\)"):
        read_trace(path)


def test_arrows_show_only_the_facts_that_differ_between_events_of_a_kind() -> None:
    def changed(seq: int, previous: str, status: str) -> Record:
        facts = (("type", "preview"), ("previous_status", previous), ("status", status))
        return Record(seq, "", "delivered", f"e{seq}", "EnvironmentStatusChanged", "environments", "github",
                      None, "c1", "e0", 1, None, None, facts)  # fmt: skip

    records = [changed(1, "initializing", "deploying"), changed(2, "deploying", "running")]
    varying = varying_facts(records)
    assert label(records[1], varying) == "EnvironmentStatusChanged (previous_status=deploying, status=running)"
    assert label(records[0], {}) == "EnvironmentStatusChanged"


@pytest.mark.needs_tool("dot")
def test_the_pull_request_opened_sequence_diagram_follows_the_bus_in_causal_order(built: Path) -> None:
    diagram = sequence_block((built / "workflows" / "pull-request-opened.md").read_text())
    assert arrows(diagram) == [
        "github-webhooks -> github: PullRequestOpened",
        "github -> environments: PullRequestOpened",
        "environments -> logs: EnvironmentDeployRequested failed",
        "environments -> runtime: EnvironmentDeployRequested failed",
        "environments -> runtime: EnvironmentDeployRequested (attempt 2)",
        "runtime -> environments: RuntimeProvisioned",
        "environments -> logs: EnvironmentDeployRequested failed (attempt 2)",
        "logs -> dead-letter queue: EnvironmentDeployRequested dead-lettered",
    ]
    assert "Note right of p_runtime: RuntimeError: fly.io timed out" in diagram
    assert "Note over p_environments: EnvironmentCreated published, delivered to no one" in diagram


@pytest.mark.needs_tool("dot")
def test_events_appear_on_the_pages_of_the_workflows_they_occur_in(built: Path) -> None:
    link = "[Pull request opened](../workflows/pull-request-opened.md)"
    assert link in (built / "events" / "RuntimeProvisioned.md").read_text()
    assert link not in (built / "events" / "AppDeleted.md").read_text()
    assert link in (built / "services" / "runtime.md").read_text()


@pytest.mark.needs_tool("dot")
def test_a_workflow_without_a_trace_says_it_is_pending(built: Path) -> None:
    page = (built / "workflows" / "app-deleted.md").read_text()
    assert "**Trace pending.**" in page
    assert "```mermaid" not in page


def test_the_recorded_pull_request_opened_scenario_is_drawn_in_causal_order() -> None:
    path = REPO / "docs" / "traces" / "pull-request-opened.json"
    if not path.is_file():
        pytest.skip("docs/traces/pull-request-opened.json is not recorded yet (wingcloud docs traces)")
    contract, trace = Contract.load(), read_trace(path)
    workflow = next(w for w in WORKFLOWS if w.name == "pull-request-opened")
    records = trace.select(workflow.entries, follow=workflow.follow)
    published = {r.event_id: r.seq for r in records if r.kind == "published"}
    for record in records:
        if record.causation_id is not None:
            assert published[record.causation_id] < record.seq, record  # the cause is drawn, and drawn first
    delivered = [r for r in records if r.kind == "delivered"]
    # the webhook arrives through its door first, then the event the door's edge published goes on the bus
    assert (delivered[0].detail_type, delivered[0].source_service, delivered[0].arrival) == (
        "webhook pull_request",
        "github-webhooks",
        True,
    )
    assert delivered[1].detail_type == "PullRequestOpened"
    assert {"EnvironmentCreated", "EnvironmentDeployRequested", "RuntimeProvisioned"} <= {
        r.detail_type for r in delivered
    }
    assert any(r.arrival and r.detail_type == "report running" for r in delivered)  # reports join the trace
    page = workflow_page(workflow, trace, trigger_lookup(contract))
    varying = varying_facts(records)
    assert arrows(sequence_block(page)) == [
        f"{r.source_service} -> {r.target_service}: {label(r, varying)}" for r in delivered
    ]


# --- environment states ----------------------------------------------------------------------------------


def test_a_per_trigger_table_labels_each_arrow_with_its_triggers() -> None:
    table = {"report": {"a": frozenset({"b"})}, "stop": {"a": frozenset({"c"}), "b": frozenset({"c"})}}
    page = states_page(from_table(table, "test"), ["a", "b", "c"])
    assert "    [*] --> st_a\n    st_a --> st_b: report\n    st_a --> st_c: stop\n    st_b --> st_c: stop" in page
    assert "| `b` | `c` | `stop` |" in page


def test_the_states_page_is_drawn_from_the_environments_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.environments import rules

    machine = load_state_machine()
    assert machine == from_table(rules.TRANSITIONS, "`services.environments.rules.TRANSITIONS`")
    assert ("running", "stopped") in {(t.source, t.target) for t in machine.transitions}
    monkeypatch.delattr(rules, "TRANSITIONS")
    with pytest.raises(TransitionTableError, match="TRANSITIONS"):
        load_state_machine()


# --- recording traces from scenarios ---------------------------------------------------------------------

DOCUMENTED = Workflow(
    name="pull-request-opened",
    title="Pull request opened",
    summary="toy",
    feature="features/pull_requests.feature",
    scenario=next(w.scenario for w in WORKFLOWS if w.name == "pull-request-opened"),
    entries=("PullRequestOpened",),
)
AGAIN = Workflow("again", "Again", "toy", DOCUMENTED.feature, "Opening it again", ("PullRequestOpened",))
PENDING = Workflow("app-created", "App created", "toy", "features/apps.feature", "Creating an app", ("AppCreated",))

FEATURE = f"""\
Feature: Pull requests
  Scenario: {DOCUMENTED.scenario}
    Given a bus where environments reacts to pull requests
    When a pull request is opened
    Then an environment was created

  Scenario: Opening it again
    Given a bus where environments reacts to pull requests
    When a pull request is opened
    Then an environment was created

  Scenario: Something undocumented
    Given a bus where environments reacts to pull requests
    When a pull request is opened
    Then the undocumented scenario leaves a mark
"""

STEPS = """\
from datetime import UTC, datetime
from typing import cast

import events
from ports import Ports, ServiceDefinition
from pytest_bdd import given, scenarios, then, when
from sim.bus import Bus
from sim.clock import VirtualClock
from spec.contract import Contract

scenarios("pull_requests.feature")
CONTRACT = Contract.load()


def example(name):
    payload = dict(CONTRACT.messages[name].examples[0]["payload"])
    payload.pop("metadata")
    return events.REGISTRY[name].model_validate(payload)


class World:
    def __init__(self):
        self.bus = Bus(CONTRACT, VirtualClock(datetime(2026, 11, 28, tzinfo=UTC)))


@given("a bus where environments reacts to pull requests", target_fixture="world")
def world():
    world = World()
    handlers = {events.REGISTRY["PullRequestOpened"]: lambda event, ports: [example("EnvironmentCreated")]}
    world.bus.register(ServiceDefinition("environments", handlers), cast(Ports, object()), partial=True)
    return world


@when("a pull request is opened")
def open_pull_request(world):
    world.bus.publish("github", [example("PullRequestOpened")])
    world.bus.run_until_quiet()


@then("the undocumented scenario leaves a mark")
def leave_a_mark():
    open("undocumented-ran", "w").close()


@then("an environment was created")
def environment_created(world):
    assert [r.detail_type for r in world.bus.trace.records() if r.kind == "published"] == [
        "PullRequestOpened", "EnvironmentCreated"
    ]
"""

pytest_plugins = ["pytester"]


@pytest.fixture
def scenario_project(pytester: pytest.Pytester) -> pytest.Pytester:
    features = pytester.path / "features"
    features.mkdir()
    (features / "pull_requests.feature").write_text(FEATURE)
    (features / "test_pull_requests.py").write_text(STEPS)
    return pytester


def test_the_trace_plugin_writes_the_trace_of_each_documented_scenario(scenario_project: pytest.Pytester) -> None:
    out = scenario_project.path / "traces"
    result = scenario_project.runpytest_inprocess("-p", "wingcloud.docsgen.trace_plugin", "--docs-traces", str(out))
    result.assert_outcomes(passed=3)
    assert (scenario_project.path / "undocumented-ran").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["pull-request-opened.json"]
    trace = read_trace(out / "pull-request-opened.json")
    assert trace.scenario == DOCUMENTED.scenario
    assert [(r.seq, r.kind, r.detail_type, r.target_service) for r in trace.records] == [
        (1, "published", "PullRequestOpened", None),
        (2, "delivered", "PullRequestOpened", "environments"),
        (3, "published", "EnvironmentCreated", None),
    ]
    assert trace.records[2].causation_id == trace.records[0].event_id == "e1"


def test_docs_traces_runs_only_the_documented_scenarios_and_check_names_the_stale_trace(
    scenario_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wingcloud.docsgen.record import record

    root, out = scenario_project.path, scenario_project.path / "traces"
    monkeypatch.chdir(root)
    written = record(root, out, [DOCUMENTED, AGAIN, PENDING], check=False)
    assert written.exit_code == 0
    assert not (root / "undocumented-ran").exists()  # only the documented scenarios ran
    assert written.written == [str(out / "again.json"), str(out / "pull-request-opened.json")]
    assert written.pending == ["app-created: scenario 'Creating an app' in features/apps.feature did not run"]

    (out / "pull-request-opened.json").write_text("{}\n")
    checked = record(root, out, [DOCUMENTED], check=True)
    assert checked.stale == [str(out / "pull-request-opened.json")]
    assert checked.orphaned == [str(out / "again.json")]  # its workflow left the table
    assert not checked.clean
    assert (out / "pull-request-opened.json").read_text() == "{}\n"
    assert (out / "again.json").is_file()
