"""The breaking-change gate's verdicts (decision 0009), one kind of change at a time: the real spec is the
before, the same spec with one edit the after, both read back from YAML files as `wingcloud spec diff` reads them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from spec import SPEC_PATH, SpecError
from spec.diff import ACCEPTED, BREAKING, COMPATIBLE, Finding, Side, diff
from spec.loader import load_document

REAL = load_document(SPEC_PATH)
Edit = Callable[[dict[str, Any]], None]
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _findings(tmp_path: Path, edit: Edit, base: Edit | None = None) -> list[Finding]:
    before = copy.deepcopy(REAL)
    if base is not None:
        base(before)
    after = copy.deepcopy(before)
    edit(after)
    paths = []
    for name, document in (("old.yaml", before), ("new.yaml", after)):
        path = tmp_path / name
        path.write_text(yaml.dump(document, Dumper=_DUMPER, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return diff(Side.of(load_document(paths[0]), "old"), Side.of(load_document(paths[1]), "new"))


def _one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, "\n".join(f.line() for f in findings)
    return findings[0]


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def test_the_real_spec_against_itself_changes_nothing(tmp_path: Path) -> None:
    assert _findings(tmp_path, lambda d: None) == []


def test_a_removed_required_field_breaks_receivers_still_on_the_old_spec(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        closed = _schemas(d)["PullRequestClosed"]
        del closed["properties"]["merged"]
        closed["required"].remove("merged")

    found = _one(_findings(tmp_path, edit))
    assert (found.message, found.pointer, found.verdict, found.compatibility) == (
        "PullRequestClosed",
        "/properties/merged",
        BREAKING,
        "backward",
    )
    assert found.what == "removed required field 'merged'"
    assert "receivers still on the old code (environments, notifications) refuse events" in found.why
    assert "senders on the new code (github, gitlab)" in found.why


def test_a_changed_type_breaks_both_ways_in_one_line(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["PullRequestClosed"]["properties"]["pr_number"] = {"type": "string"}

    found = _one(_findings(tmp_path, edit))
    assert (found.pointer, found.verdict, found.compatibility) == ("/properties/pr_number/type", BREAKING, "none")
    assert found.what == 'type "integer" -> "string"'


def test_integer_to_number_only_widens(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["InstallationId"]["type"] = "number"

    findings = [f for f in _findings(tmp_path, edit) if f.message == "PullRequestOpened"]
    assert _one(findings).compatibility == "backward"


def test_a_narrowed_enum_in_a_shared_component_breaks_new_receivers_of_every_message_using_it(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["StopReason"]["enum"].remove("stale-preview")

    found = _one(_findings(tmp_path, edit))
    assert (found.message, found.pointer, found.compatibility) == (
        "EnvironmentStopped",
        "/properties/reason/enum",
        "forward",
    )
    assert found.what == 'enum narrowed: removed "stale-preview" (in #/components/schemas/StopReason)'
    assert (
        "receivers on the new code (endpoints, github, gitlab, logs, notifications, runtime, usage) refuse" in found.why
    )


def test_a_widened_enum_breaks_receivers_still_on_the_old_spec(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["StopReason"]["enum"].append("quota-exceeded")

    found = _one(_findings(tmp_path, edit))
    assert (found.verdict, found.compatibility) == (BREAKING, "backward")
    assert found.what.startswith('enum widened: added "quota-exceeded"')


def test_an_added_required_field_breaks_new_receivers_of_what_old_senders_send(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        opened = _schemas(d)["PullRequestOpened"]
        opened["properties"]["origin"] = {"type": "string", "enum": ["github", "gitlab"]}
        opened["required"].append("origin")

    found = _one(_findings(tmp_path, edit))
    assert (found.pointer, found.verdict, found.compatibility) == ("/properties/origin", BREAKING, "forward")
    assert found.what == "added required field 'origin'"
    assert "senders still on the old code (github, gitlab) send, and archived ones replayed" in found.why


def test_an_added_optional_field_is_fully_compatible_because_receivers_drop_what_they_do_not_know(
    tmp_path: Path,
) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["PullRequestOpened"]["properties"]["origin"] = {"type": "string"}

    found = _one(_findings(tmp_path, edit))
    assert (found.verdict, found.compatibility, found.what) == (COMPATIBLE, "full", "added optional field 'origin'")


def test_an_optional_field_becoming_required_breaks_backward(tmp_path: Path) -> None:
    def base(d: dict[str, Any]) -> None:
        _schemas(d)["PullRequestOpened"]["properties"]["origin"] = {"type": "string"}

    def edit(d: dict[str, Any]) -> None:
        base(d)
        _schemas(d)["PullRequestOpened"]["required"].append("origin")

    found = _one(_findings(tmp_path, edit, base))
    assert (found.what, found.compatibility) == ("field 'origin' became required", "forward")


@pytest.mark.parametrize(
    ("schema", "key", "value", "what", "compatibility"),
    [
        (
            "PullRequestOpened",
            "title",
            {"type": "string", "maxLength": 256},
            "maxLength tightened: 1024 -> 256",
            "forward",
        ),
        (
            "PullRequestOpened",
            "title",
            {"type": "string", "maxLength": 4096},
            "maxLength loosened: 1024 -> 4096",
            "backward",
        ),
        (
            "PullRequestOpened",
            "title",
            {"type": "string", "maxLength": 1024, "minLength": 1},
            "minLength tightened: None -> 1",
            "forward",
        ),
        ("PullRequestOpened", "title", {"type": "string"}, "maxLength loosened: 1024 -> None", "backward"),
        (
            "PullRequestOpened",
            "title",
            {"type": "string", "maxLength": 1024, "pattern": "^\\S"},
            'pattern added: "^\\\\S"',
            "forward",
        ),
    ],
)
def test_bounds_and_patterns(
    tmp_path: Path, schema: str, key: str, value: dict[str, Any], what: str, compatibility: str
) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)[schema]["properties"][key] = value

    found = _one(_findings(tmp_path, edit))
    assert (found.pointer.rsplit("/", 1)[0], found.what, found.compatibility) == (
        f"/properties/{key}",
        what,
        compatibility,
    )
    assert found.verdict == BREAKING


def test_a_tightened_minimum_and_a_changed_pattern_in_shared_components(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["PullRequestNumber"]["minimum"] = 2
        _schemas(d)["CommitSha"]["pattern"] = "^[0-9a-f]{40}([0-9a-f]{24})?$"

    found = {
        (f.pointer, f.compatibility, f.what)
        for f in _findings(tmp_path, edit)
        if f.message == "PullRequestSynchronized"
    }
    assert found == {
        (
            "/properties/pr_number/minimum",
            "forward",
            "minimum tightened: 1 -> 2 (in #/components/schemas/PullRequestNumber)",
        ),
        (
            "/properties/head_sha/pattern",
            "none",
            'pattern changed: "^[0-9a-f]{40}$" -> "^[0-9a-f]{40}([0-9a-f]{24})?$" (neither is known to contain the other) '
            "(in #/components/schemas/CommitSha)",
        ),
        (
            "/properties/before_sha/pattern",
            "none",
            'pattern changed: "^[0-9a-f]{40}$" -> "^[0-9a-f]{40}([0-9a-f]{24})?$" (neither is known to contain the other) '
            "(in #/components/schemas/CommitSha)",
        ),
    }


def test_a_change_in_an_object_nested_in_an_array_is_located_by_its_pointer(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["Endpoint"]["properties"]["url"]["maxLength"] = 512

    pointers = {(f.message, f.pointer) for f in _findings(tmp_path, edit)}
    assert ("EnvironmentStatusChanged", "/properties/endpoints/items/properties/url/maxLength") in pointers
    assert ("RuntimeStatusReported", "/properties/endpoints/items/properties/url/maxLength") in pointers


def test_description_changes_are_not_changes(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["BranchName"]["description"] = "A branch."
        d["components"]["messages"]["PullRequestOpened"]["summary"] = "Opened."

    assert _findings(tmp_path, edit) == []


def test_a_removed_message_breaks_and_a_retired_one_is_accepted(tmp_path: Path) -> None:
    def remove(d: dict[str, Any]) -> None:
        del d["components"]["messages"]["CleanupDue"]
        del d["channels"]["CleanupDue"]
        for op in [k for k, v in d["operations"].items() if v["channel"]["$ref"] == "#/channels/CleanupDue"]:
            del d["operations"][op]

    found = _one(_findings(tmp_path, remove))
    assert (found.message, found.pointer, found.verdict) == ("CleanupDue", "/components/messages/CleanupDue", BREAKING)
    assert "senders still on the old code (cleaner) keep sending it" in found.why

    def retire(d: dict[str, Any]) -> None:
        remove(d)
        d["x-retired-messages"] = {"CleanupDue": "stale previews are stopped by the environments service itself"}

    assert _one(_findings(tmp_path, retire)).verdict == ACCEPTED


def test_an_added_message_is_compatible(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["components"]["messages"]["CleanupDone"] = {
            **d["components"]["messages"]["CleanupDue"],
            "name": "CleanupDone",
        }

    found = _one(_findings(tmp_path, edit))
    assert (found.message, found.verdict, found.what) == ("CleanupDone", COMPATIBLE, "message added")


def _receive(d: dict[str, Any], service: str, message: str, pattern: dict[str, Any] | None = None) -> None:
    op: dict[str, Any] = {
        "action": "receive",
        "x-service": service,
        "channel": {"$ref": f"#/channels/{message}"},
        "messages": [{"$ref": f"#/channels/{message}/messages/{message}"}],
    }
    if pattern is not None:
        op["x-eventbridge-pattern"] = pattern
    d["operations"][f"{service}.on{message}"] = op


def test_added_and_removed_receivers_and_senders(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _receive(d, "logs", "AppCreated")
        del d["operations"]["secrets.onAppDeleted"]
        send = copy.deepcopy(d["operations"]["github.publishBranchPushed"])
        d["operations"]["api.publishBranchPushed"] = {**send, "x-service": "api"}

    found = {(f.message, f.pointer, f.what, f.verdict) for f in _findings(tmp_path, edit)}
    assert found == {
        ("AppCreated", "/operations/logs.onAppCreated", "receiver logs added", COMPATIBLE),
        ("AppDeleted", "/operations/secrets.onAppDeleted", "receiver secrets removed", COMPATIBLE),
        ("BranchPushed", "/operations", "sender api added", COMPATIBLE),
    }


def test_removing_the_last_sender_of_a_received_message_breaks_its_receivers(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        del d["operations"]["cleaner.publishCleanupDue"]

    found = _one(_findings(tmp_path, edit))
    assert (found.what, found.verdict) == ("sender cleaner removed, the last one", BREAKING)
    assert "its receivers (environments) wait for an event nobody sends any more" in found.why


def test_a_content_filter_on_a_field_old_events_may_lack_breaks_and_on_a_required_one_does_not(tmp_path: Path) -> None:
    def on_origin(d: dict[str, Any]) -> None:
        _schemas(d)["EnvironmentStopped"]["properties"]["origin"] = {"type": "string"}
        d["operations"]["github.onEnvironmentStopped"]["x-eventbridge-pattern"]["detail"]["origin"] = ["github"]

    verdicts = {f.what: (f.verdict, f.pointer) for f in _findings(tmp_path, on_origin)}
    assert verdicts == {
        "added optional field 'origin'": (COMPATIBLE, "/properties/origin"),
        "github's content filter now tests detail.origin": (
            BREAKING,
            "/operations/github.onEnvironmentStopped/x-eventbridge-pattern",
        ),
    }

    def on_origin_or_absent(d: dict[str, Any]) -> None:
        on_origin(d)  # old events carry no origin: matching its absence keeps them coming
        d["operations"]["github.onEnvironmentStopped"]["x-eventbridge-pattern"]["detail"]["origin"].append(
            {"exists": False}
        )

    assert {f.verdict for f in _findings(tmp_path, on_origin_or_absent)} == {COMPATIBLE}

    def on_reason(d: dict[str, Any]) -> None:
        d["operations"]["github.onEnvironmentStopped"]["x-eventbridge-pattern"] = {
            "detail": {"type": ["preview"], "reason": ["pull-request-closed"]}
        }

    found = _one(_findings(tmp_path, on_reason))
    assert (found.what, found.verdict) == ("github's content filter changed", COMPATIBLE)


def test_a_raised_x_version_accepts_the_break_and_a_lowered_one_is_refused(tmp_path: Path) -> None:
    def bump(d: dict[str, Any]) -> None:
        closed = _schemas(d)["PullRequestClosed"]
        del closed["properties"]["merged"]
        closed["required"].remove("merged")
        d["components"]["messages"]["PullRequestClosed"]["x-version"] = 2

    found = _one(_findings(tmp_path, bump))
    assert found.verdict == ACCEPTED
    assert found.why.endswith("(x-version 1 -> 2: an intentional break)")

    def base(d: dict[str, Any]) -> None:
        d["components"]["messages"]["PullRequestClosed"]["x-version"] = 3

    def lower(d: dict[str, Any]) -> None:
        d["components"]["messages"]["PullRequestClosed"]["x-version"] = 2

    found = _one(_findings(tmp_path, lower, base))
    assert (found.pointer, found.verdict) == ("/components/messages/PullRequestClosed/x-version", BREAKING)


def test_a_break_nobody_receives_breaks_nobody(tmp_path: Path) -> None:
    def unreceived(d: dict[str, Any]) -> None:
        for op in [
            k for k, v in d["operations"].items() if v["action"] == "receive" and k.endswith(".onAppLastCommitUpdated")
        ]:
            del d["operations"][op]

    def edit(d: dict[str, Any]) -> None:
        unreceived(d)
        del _schemas(d)["AppLastCommitUpdated"]["properties"]["branch"]
        _schemas(d)["AppLastCommitUpdated"]["required"].remove("branch")

    found = _one(_findings(tmp_path, edit, unreceived))
    assert (found.verdict, found.compatibility) == (COMPATIBLE, "backward")
    assert found.why == "nobody receives it on the side it would break"


def test_a_dangling_ref_is_named(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _schemas(d)["PullRequestOpened"]["properties"]["head_sha"] = {"$ref": "#/components/schemas/Sha"}

    with pytest.raises(SpecError, match=r"\$ref '#/components/schemas/Sha' does not name a schema"):
        _findings(tmp_path, edit)


def test_a_document_without_messages_is_refused_naming_the_side() -> None:
    with pytest.raises(SpecError, match=r"/components/messages: old: no messages"):
        Side.of({"asyncapi": "3.0.0"}, "old")
