"""The real spec validates; each kind of bad input gets its own readable error, never a traceback."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from spec import OFFICIAL_SCHEMA_PATH, SPEC_PATH, SpecError
from spec.contract import Contract
from spec.graph import build_graph, lint_graph
from spec.loader import load_document
from spec.validate import validate_document, validate_path

OFFICIAL = json.loads(OFFICIAL_SCHEMA_PATH.read_text())


@pytest.fixture
def document() -> dict[str, Any]:
    return copy.deepcopy(load_document(SPEC_PATH))


def problems_of(document: dict[str, Any]) -> list[str]:
    return [str(p) for p in validate_document(document, OFFICIAL)]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wingcloud.cli", *args], capture_output=True, text=True, check=False, timeout=120
    )


def write_spec(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "asyncapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_the_real_spec_is_valid_and_lints_clean() -> None:
    contract = validate_path(SPEC_PATH)
    assert lint_graph(build_graph(contract)) == []
    assert len(contract.messages) >= 25


def test_the_spec_covers_the_design_catalogue() -> None:
    contract = Contract.load()
    expected = {
        "github": {"PullRequestOpened", "PullRequestReopened", "PullRequestSynchronized", "PullRequestClosed",
                   "BranchPushed", "PullRequestCommentUpserted"},
        "apps": {"AppCreated", "AppDeleted", "AppEntrypointChanged", "AppLastCommitUpdated"},
        "environments": {"EnvironmentCreated", "EnvironmentDeployRequested", "EnvironmentStatusChanged",
                         "EnvironmentStopped"},
        "runtime": {"RuntimeProvisioned", "RuntimeProvisioningFailed", "RuntimeStatusReported", "RuntimeDestroyed"},
        "secrets": {"SecretCreated", "SecretDeleted"},
        "endpoints": {"EndpointsChanged"},
        "cleaner": {"CleanupDue"},
    }  # fmt: skip
    for service, messages in expected.items():
        assert messages <= set(contract.sends(service)), service
    assert {"EnvironmentStatusChanged", "EndpointsChanged", "EnvironmentStopped"} <= set(contract.receives("github"))
    assert {"EnvironmentRedeployRequested", "CleanupDue", "AppDeleted"} <= set(contract.receives("environments"))
    statuses = contract.schema_components()["EnvironmentStatus"]["enum"]
    assert statuses == [
        "initializing", "deploying", "running-tests", "running-server", "tests-error", "running", "error", "stopped"
    ]  # fmt: skip


def test_the_cli_validates_the_real_spec() -> None:
    result = run_cli("spec", "validate")
    assert result.returncode == 0, result.stderr
    assert "valid AsyncAPI 3.0.0" in result.stdout


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "asyncapi.yaml"
    path.write_text("asyncapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\n")
    with pytest.raises(SpecError, match=r"malformed YAML in asyncapi.yaml at line \d+, column \d+"):
        validate_path(path)
    result = run_cli("spec", "validate", str(path))
    assert result.returncode == 1
    assert "malformed YAML" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_spec_breaking_the_official_schema_is_reported_with_its_pointer(document: dict[str, Any]) -> None:
    document["operations"]["github.publishPullRequestOpened"]["action"] = "emit"
    problems = problems_of(document)
    assert any(p.startswith("/operations/github.publishPullRequestOpened") and "AsyncAPI 3.0.0 schema" in p
               for p in problems), problems  # fmt: skip


def test_a_wrong_asyncapi_version_breaks_the_official_schema(document: dict[str, Any]) -> None:
    document["asyncapi"] = "2.6.0"
    assert any(p.startswith("/asyncapi:") for p in problems_of(document))


def test_a_dangling_ref_is_named(document: dict[str, Any]) -> None:
    props = document["components"]["schemas"]["PullRequestOpened"]["properties"]
    props["head_sha"] = {"$ref": "#/components/schemas/NoSuchSha"}
    problems = problems_of(document)
    assert problems == [
        "/components/schemas/PullRequestOpened/properties/head_sha/$ref: "
        "$ref '#/components/schemas/NoSuchSha' does not resolve"
    ]


def test_an_example_contradicting_its_schema_is_named(document: dict[str, Any]) -> None:
    example = document["components"]["messages"]["BranchPushed"]["examples"][0]["payload"]
    example["after_sha"] = "not-a-sha"
    problems = problems_of(document)
    assert len(problems) == 1
    assert problems[0].startswith("/components/messages/BranchPushed/examples/0/payload: example contradicts")
    assert "detail.after_sha" in problems[0]


def test_an_example_with_a_bad_date_time_is_caught(document: dict[str, Any]) -> None:
    example = document["components"]["messages"]["CleanupDue"]["examples"][0]["payload"]
    example["scheduled_at"] = "yesterday at noon"
    assert any("detail.scheduled_at" in p and "date-time" in p for p in problems_of(document))


def test_a_duplicate_message_name_is_reported(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    messages["PullRequestOpened2"] = copy.deepcopy(messages["PullRequestOpened"])
    problems = problems_of(document)
    assert "/components/messages/PullRequestOpened/name: duplicate message name 'PullRequestOpened'" in problems


def test_a_duplicate_yaml_key_is_reported_not_silently_dropped(tmp_path: Path) -> None:
    text = SPEC_PATH.read_text()
    block_start = text.index("    AppDeleted:\n      name: AppDeleted")
    block_end = text.index("    AppEntrypointChanged:\n      name: AppEntrypointChanged")
    path = tmp_path / "asyncapi.yaml"
    path.write_text(text[:block_end] + text[block_start:block_end] + text[block_end:])
    with pytest.raises(SpecError, match=r"duplicate key 'AppDeleted' \(first defined on line \d+\)"):
        validate_path(path)
    result = run_cli("spec", "validate", str(path))
    assert result.returncode == 1 and "duplicate key 'AppDeleted'" in result.stderr
    assert "Traceback" not in result.stderr


def test_names_must_be_pascal_case_past_tense(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    messages["WebhookIgnored"]["name"] = "ignore_webhook"
    problems = problems_of(document)
    assert "/components/messages/WebhookIgnored/name: message name 'ignore_webhook' must be PascalCase past tense" in (
        problems
    )


def test_an_operation_of_an_unknown_service_is_reported(document: dict[str, Any]) -> None:
    document["operations"]["logs.onEnvironmentStopped"]["x-service"] = "billing"
    assert "/operations/logs.onEnvironmentStopped/x-service: unknown service 'billing' (see x-services)" in (
        problems_of(document)
    )


def test_a_message_nobody_receives_must_be_marked_terminal(document: dict[str, Any]) -> None:
    del document["operations"]["notifications.onRuntimeDestroyed"]
    assert "/components/messages/RuntimeDestroyed: message 'RuntimeDestroyed' is received by no service" in (
        problems_of(document)
    )
    document["components"]["messages"]["RuntimeDestroyed"]["x-terminal"] = True
    assert problems_of(document) == []


def test_a_field_that_looks_like_a_secret_value_is_refused(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["SecretCreated"]
    schema["properties"]["secret_value"] = {"type": "string"}
    assert any("looks like a secret value" in p for p in problems_of(document))


def test_every_detail_schema_is_closed_and_requires_metadata(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["AppDeleted"]["additionalProperties"] = True
    document["components"]["schemas"]["AppDeleted"]["required"].remove("metadata")
    problems = problems_of(document)
    assert "/components/schemas/AppDeleted/additionalProperties: must be false" in problems
    assert "/components/schemas/AppDeleted/required: must require metadata" in problems


def test_every_problem_is_listed_with_exit_code_1_and_no_traceback(tmp_path: Path, document: dict[str, Any]) -> None:
    document["components"]["messages"]["WebhookIgnored"]["name"] = "ignore_webhook"
    document["operations"]["logs.onEnvironmentStopped"]["x-service"] = "billing"
    result = run_cli("spec", "validate", str(write_spec(tmp_path, document)))
    assert result.returncode == 1
    assert "problem(s)" in result.stderr
    assert "/components/messages/WebhookIgnored/name" in result.stderr
    assert "/operations/logs.onEnvironmentStopped/x-service" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("spec", "validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "asyncapi.yaml"
    path.write_bytes(b"\xff\xfe asyncapi: 3.0.0\n")
    with pytest.raises(SpecError, match=r"asyncapi.yaml is not UTF-8 text"):
        validate_path(path)
    result = run_cli("spec", "validate", str(path))
    assert result.returncode == 1
    assert "not UTF-8 text" in result.stderr and "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("pointer", "value", "reason"),
    [
        (("x-services", "logs"), None, "None is not of type 'object'"),
        (("x-triggers",), ["api"], "['api'] is not of type 'object'"),
        (("operations", "logs.onEnvironmentStopped", "x-service"), ["logs"], "['logs'] is not of type 'string'"),
        (("components", "messages", "RuntimeDestroyed", "x-terminal"), "yes", "'yes' is not of type 'boolean'"),
    ],
)
def test_a_malformed_project_extension_is_named_not_a_crash(
    tmp_path: Path, document: dict[str, Any], pointer: tuple[str, ...], value: Any, reason: str
) -> None:
    node = document
    for part in pointer[:-1]:
        node = node[part]
    node[pointer[-1]] = value
    where = "/" + "/".join(pointer)
    assert problems_of(document) == [f"{where}: breaks the project's x- extensions: {reason}"]
    result = run_cli("spec", "validate", str(write_spec(tmp_path, document)))
    assert result.returncode == 1
    assert where in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_a_recursive_schema_is_named_not_a_crash(tmp_path: Path, document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    schemas["Loop"] = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
    schemas["AppDeleted"]["properties"]["loop"] = {"$ref": "#/components/schemas/Loop"}
    expected = "/components/schemas/AppDeleted: schema 'Loop' refers to itself (Loop -> Loop)"
    assert [p for p in problems_of(document) if p.startswith(expected)]
    result = run_cli("spec", "validate", str(write_spec(tmp_path, document)))
    assert result.returncode == 1
    assert expected in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_a_ref_into_a_schema_property_is_followed(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    schemas["AppDeleted"]["properties"]["app_id"] = {"$ref": "#/components/schemas/AppCreated/properties/app_id"}
    assert problems_of(document) == []
    example = document["components"]["messages"]["AppDeleted"]["examples"][0]["payload"]
    example["app_id"] = 42
    (problem,) = problems_of(document)
    assert problem.startswith("/components/messages/AppDeleted/examples/0/payload: example contradicts its schema")
    assert "detail.app_id" in problem


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["operations"]["github.publishPullRequestOpened"].pop("channel"),
            "/operations/github.publishPullRequestOpened: breaks the AsyncAPI 3.0.0 schema: "
            "'channel' is a required property",
        ),
        (
            lambda d: d["components"]["schemas"]["AppDeleted"].__setitem__("type", "objekt"),
            "/components/schemas/AppDeleted/type: breaks the AsyncAPI 3.0.0 schema: 'objekt' is not one of [",
        ),
    ],
)
def test_official_schema_errors_name_the_branch_that_applies(
    document: dict[str, Any], edit: Any, expected: str
) -> None:
    # Not the `$ref`-object alternative ("'$ref' is a required property") nor a bare type mismatch.
    edit(document)
    (problem,) = problems_of(document)
    assert problem.startswith(expected), problem


def test_a_secret_looking_field_nested_in_a_referenced_schema_is_refused(document: dict[str, Any]) -> None:
    record = document["components"]["schemas"]["DnsRecord"]
    record["properties"]["api_key"] = {"type": "string"}
    document["components"]["schemas"]["EndpointsChanged"]["properties"]["owner"] = {
        "type": "object",
        "properties": {"session_token": {"type": "string"}},
    }
    problems = problems_of(document)
    assert (
        "/components/schemas/DnsRecord/properties/api_key: field 'api_key' looks like a secret value; "
        "events carry references only"
    ) in problems
    assert (
        "/components/schemas/EndpointsChanged/properties/owner/properties/session_token: field 'session_token' "
        "looks like a secret value; events carry references only"
    ) in problems


def test_a_content_filter_on_a_field_the_message_lacks_is_refused(document: dict[str, Any]) -> None:
    operation = document["operations"]["endpoints.onEnvironmentStatusChanged"]
    assert problems_of(document) == []
    operation["x-eventbridge-pattern"] = {"detail": {"statuss": ["running"]}}
    assert problems_of(document) == [
        "/operations/endpoints.onEnvironmentStatusChanged/x-eventbridge-pattern: filters on detail.statuss, "
        "which EnvironmentStatusChanged does not have; the rule would never match"
    ]
    operation["x-eventbridge-pattern"] = {"detail": {"$or": [{"status": ["running"]}, {"metadata": {"nope": [1]}}]}}
    assert [p.split(": ", 1)[1] for p in problems_of(document)] == [
        "filters on detail.metadata.nope, which EnvironmentStatusChanged does not have; the rule would never match"
    ]


def test_an_operation_message_that_is_no_component_message_is_named(document: dict[str, Any]) -> None:
    document["operations"]["github.onEndpointsChanged"]["messages"] = [{"$ref": "#/components/schemas/AppId"}]
    assert (
        "/operations/github.onEndpointsChanged/messages/0: '#/components/schemas/AppId' is not a message of "
        "#/components/messages"
    ) in problems_of(document)


def test_a_boolean_metadata_schema_is_named_not_a_crash(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["CleanupDue"]["properties"]["metadata"] = True
    assert "/components/schemas/CleanupDue/properties/metadata: must be $ref #/components/schemas/EventMetadata" in (
        problems_of(document)
    )
