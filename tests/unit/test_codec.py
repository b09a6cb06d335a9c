"""`ports.codec.dumps`: the JSON text written for the feed, the call log and the outside world's journal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ports.codec import dumps


def test_json_mode_data_reads_back_as_it_was() -> None:
    data = {"name": "wc-env-1", "env": {"A": "1"}, "secret_names": ["B"], "n": 3, "ok": True, "none": None}
    assert json.loads(dumps(data)) == data


def test_what_json_has_no_type_for_is_written_as_its_text_and_keys_as_strings() -> None:
    moment = datetime(2026, 12, 8, 2, 35, 30, tzinfo=UTC)
    assert json.loads(dumps({"at": moment, 7: "seven", "set": frozenset()})) == {
        "at": "2026-12-08T02:35:30+00:00",
        "7": "seven",
        "set": "frozenset()",
    }


def test_integers_beyond_64_bits_are_written_too() -> None:
    huge = 2**70
    assert json.loads(dumps({"pr_number": huge})) == {"pr_number": huge}


@dataclass
class Spec:
    name: str


@pytest.mark.parametrize("value", [datetime(2026, 12, 8, tzinfo=UTC), Spec("x"), {1, 2}, object()])
def test_what_is_replayed_refuses_what_would_not_come_back_as_it_went_in(value: object) -> None:
    with pytest.raises(TypeError):
        dumps(["run_machine", value], lenient=False)


def test_what_is_replayed_keeps_json_values_and_big_integers() -> None:
    data = ["github", 2**70, {"body": "é"}, None, 1.5]
    assert json.loads(dumps(data, lenient=False)) == data
