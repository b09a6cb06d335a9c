"""Generated models and runtime validation agree with the spec."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import events
from spec import SPEC_PATH
from spec.contract import Contract

CONTRACT = Contract.load()
EXAMPLES = [(m.name, e["payload"]) for m in CONTRACT.messages.values() for e in m.examples]
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "payload"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_every_example_round_trips_through_its_model_and_the_validator(name: str, payload: dict[str, Any]) -> None:
    events.validate(name, payload)
    model = events.REGISTRY[name].model_validate(payload)
    assert type(model).detail_type == name
    dumped = model.model_dump(mode="json")
    assert dumped == payload
    events.validate(name, dumped)


def test_models_are_frozen_and_closed() -> None:
    name, payload = EXAMPLES[0]
    model = events.REGISTRY[name].model_validate(payload)
    with pytest.raises(ValueError, match="frozen"):
        model.metadata = None  # type: ignore[misc]
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        events.REGISTRY[name].model_validate({**payload, "surprise": 1})


def test_the_registry_and_service_tuples_follow_the_spec() -> None:
    assert set(events.REGISTRY) == set(CONTRACT.messages)
    for service in CONTRACT.services:
        assert [c.__name__ for c in events.SENDS[service]] == list(CONTRACT.sends(service))
        assert [c.__name__ for c in events.RECEIVES[service]] == list(CONTRACT.receives(service))


def test_the_envelope_union_discriminates_on_detail_type() -> None:
    from pydantic import TypeAdapter

    name, payload = next((n, p) for n, p in EXAMPLES if n == "BranchPushed")
    envelope = {
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": name,
        "source": "wingcloud.github", "account": "123456789012", "time": "2026-11-28T06:46:00Z",
        "region": "us-east-1", "resources": [], "detail": payload,
    }  # fmt: skip
    parsed = TypeAdapter(events.AnyEnvelope).validate_python(envelope)
    assert isinstance(parsed.detail, events.BranchPushed)
    assert parsed.detail.after_sha == payload["after_sha"]


def example(name: str) -> dict[str, Any]:
    return copy.deepcopy(next(p for n, p in EXAMPLES if n == name))


def test_validate_names_the_event_the_field_and_the_reason() -> None:
    detail = example("EnvironmentStatusChanged")
    detail["endpoints"][0]["url"] = "not a uri"
    with pytest.raises(events.EventValidationError) as caught:
        events.validate("EnvironmentStatusChanged", detail)
    assert str(caught.value).startswith("EnvironmentStatusChanged: invalid detail at detail.endpoints[0].url:")
    assert "uri" in str(caught.value)


def test_validate_checks_date_time_formats() -> None:
    detail = example("CleanupDue")
    detail["metadata"]["occurred_at"] = "2026-13-45T99:00:00Z"
    with pytest.raises(events.EventValidationError, match=r"detail\.metadata\.occurred_at: .* 'date-time'"):
        events.validate("CleanupDue", detail)


def test_validate_requires_metadata_on_the_wire() -> None:
    detail = example("AppDeleted")
    del detail["metadata"]
    with pytest.raises(events.EventValidationError, match="'metadata' is a required property"):
        events.validate("AppDeleted", detail)


def test_unknown_detail_types_are_an_error() -> None:
    with pytest.raises(events.UnknownEventError, match="unknown detail-type 'PizzaOrdered'"):
        events.validate("PizzaOrdered", {})


def test_codegen_check_fails_after_a_schema_edit_and_passes_after_regeneration(tmp_path: Path) -> None:
    target = tmp_path / "events"
    shutil.copytree(REPO / "events", target, ignore=shutil.ignore_patterns("__pycache__"))
    spec = tmp_path / "asyncapi.yaml"
    text = SPEC_PATH.read_text()
    edited = text.replace("          description: User who owns the app.", "          description: The owning user.", 1)
    assert edited != text
    spec.write_text(edited)

    def codegen(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            "-m",
            "wingcloud.cli",
            "spec",
            "codegen",
            "--spec",
            str(spec),
            "--target",
            str(target),
        ]
        return subprocess.run([*command, *extra], capture_output=True, text=True, check=False, timeout=300)

    stale = codegen("--check")
    assert stale.returncode == 1
    assert "The owning user." in stale.stdout and "events/models.py" in stale.stdout
    assert codegen().returncode == 0
    fresh = codegen("--check")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr


def test_the_committed_events_package_is_fresh() -> None:
    from spec.codegen import stale_diff

    assert stale_diff(CONTRACT, REPO / "events") == ""
