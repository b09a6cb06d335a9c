"""Decision 0009: receivers are tolerant readers (a property the spec does not name is dropped on receipt, at
any depth), senders are strict (the bus refuses to publish one). So an optional field a newer sender adds breaks
no receiver still running the old spec during a rolling deploy."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import events
from bus.envelope import Envelope
from bus.errors import InvalidEventError
from events import EnvironmentStatusChanged
from spec.contract import Contract, source_of

CONTRACT = Contract.load()


def _example(name: str) -> dict[str, Any]:
    return copy.deepcopy(CONTRACT.messages[name].examples[0]["payload"])


def _envelope(name: str, detail: dict[str, Any]) -> Envelope:
    return Envelope.from_wire(
        {
            "id": detail["metadata"]["event_id"],
            "detail-type": name,
            "source": source_of(CONTRACT.messages[name].senders[0]),
            "account": "123456789012",
            "time": "2026-11-28T06:46:00Z",
            "region": "us-east-1",
            "detail": detail,
        }
    )


def _status_changed_with_endpoint() -> dict[str, Any]:
    detail = _example("EnvironmentStatusChanged")
    detail["endpoints"] = [{"label": "api", "url": "https://api.example.com/"}]
    events.validate("EnvironmentStatusChanged", detail)
    return detail


def test_known_drops_unknown_properties_at_the_top_in_nested_objects_and_in_array_items() -> None:
    detail = _status_changed_with_endpoint()
    newer = copy.deepcopy(detail)
    newer["origin"] = "gitlab"
    newer["metadata"]["tenant"] = "t1"
    newer["endpoints"][0]["region"] = "fra"

    assert events.known("EnvironmentStatusChanged", newer) == detail


def test_known_returns_the_same_object_when_nothing_is_unknown() -> None:
    detail = _status_changed_with_endpoint()
    assert events.known("EnvironmentStatusChanged", detail) is detail


def test_a_receiver_reads_an_event_with_a_field_its_spec_does_not_name_as_the_event_without_it() -> None:
    detail = _status_changed_with_endpoint()
    newer = {**copy.deepcopy(detail), "origin": "gitlab"}
    newer["endpoints"][0]["region"] = "fra"

    read = _envelope("EnvironmentStatusChanged", newer).event()

    assert isinstance(read, EnvironmentStatusChanged)
    assert read == _envelope("EnvironmentStatusChanged", detail).event()
    assert _envelope("EnvironmentStatusChanged", newer).event_id == detail["metadata"]["event_id"]


def test_a_receiver_still_refuses_a_known_field_that_breaks_the_spec() -> None:
    detail = {**_example("EnvironmentStatusChanged"), "origin": "gitlab", "status": "sleeping"}

    with pytest.raises(InvalidEventError, match=r"detail\.status: 'sleeping' is not one of"):
        _envelope("EnvironmentStatusChanged", detail).event()


def test_a_sender_may_not_publish_a_field_the_spec_does_not_name() -> None:
    detail = {**_example("EnvironmentStatusChanged"), "origin": "gitlab"}

    with pytest.raises(InvalidEventError, match=r"Additional properties are not allowed \('origin' was unexpected\)"):
        _envelope("EnvironmentStatusChanged", detail).check_sent()


def test_unknown_metadata_ids_do_not_hide_the_known_ones() -> None:
    detail = _example("EnvironmentStatusChanged")
    detail["metadata"]["tenant"] = "t1"

    envelope = _envelope("EnvironmentStatusChanged", detail)

    assert envelope.correlation_id == detail["metadata"]["correlation_id"]


def test_an_envelope_checked_as_sent_is_read_as_it_is_without_a_second_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid as sent means nothing unnamed in it: the receiver's read of it is the detail as it is."""
    detail = _status_changed_with_endpoint()
    received = _envelope("EnvironmentStatusChanged", detail).event()
    envelope = _envelope("EnvironmentStatusChanged", detail)

    def refuse(*args: object) -> object:
        raise AssertionError("read again")

    monkeypatch.setattr(events, "read", refuse)
    sent = envelope.check_sent()
    assert envelope.event() is sent
    assert sent == received
