"""The virtual clock, deterministic ids and the in-memory dedupe the bus offers handlers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bus.envelope import format_time
from sim.clock import NaiveTimeError, VirtualClock
from sim.ids import SequentialIds, base36

START = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def test_the_virtual_clock_moves_only_when_told() -> None:
    clock = VirtualClock(START)
    assert clock.now() == clock.now() == START
    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5)
    clock.set(START - timedelta(hours=1))  # fakes may simulate skew
    assert clock.now() == START - timedelta(hours=1)
    with pytest.raises(ValueError, match="non-negative"):
        clock.advance(timedelta(seconds=-1))


def test_the_virtual_clock_refuses_naive_times_and_keeps_offsets_comparable() -> None:
    with pytest.raises(NaiveTimeError, match="naive 2026-11-28T06:00:00"):
        VirtualClock(datetime(2026, 11, 28, 6, 0))
    clock = VirtualClock(datetime(2026, 11, 28, 8, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == START


def test_sequential_ids_are_per_prefix_lowercase_base36() -> None:
    ids = SequentialIds()
    assert [ids.new("env"), ids.new("env"), ids.new("app"), ids.new("env")] == [
        "env_00001",
        "env_00002",
        "app_00001",
        "env_00003",
    ]
    for _ in range(40):
        last = ids.new("dep")
    assert last == "dep_00014"  # 40 in base 36
    assert all(re.fullmatch(r"^dep_[0-9a-z]+$", ids.new("dep")) for _ in range(100))
    assert ids.issued("dep") == 140 and ids.issued("nothing") == 0
    assert SequentialIds().new("env") == "env_00001"  # deterministic: a fresh source starts over


@pytest.mark.parametrize("prefix", ["", "Env", "env-x", "1env", "env_"])
def test_sequential_ids_refuse_prefixes_outside_lowercase_alphanumerics(prefix: str) -> None:
    with pytest.raises(ValueError, match="id prefix must match"):
        SequentialIds().new(prefix)


def test_base36() -> None:
    assert [base36(n) for n in (0, 9, 10, 35, 36, 1295, 1296)] == ["0", "9", "a", "z", "10", "zz", "100"]
    with pytest.raises(ValueError, match="-1"):
        base36(-1)


@pytest.mark.parametrize(
    ("moment", "precise", "whole"),
    [
        (datetime(2026, 12, 8, 2, 35, 30, 228185, tzinfo=UTC), "2026-12-08T02:35:30.228185Z", "2026-12-08T02:35:30Z"),
        (datetime(2026, 12, 8, 2, 35, 30, 6, tzinfo=UTC), "2026-12-08T02:35:30.000006Z", "2026-12-08T02:35:30Z"),
        (datetime(2026, 12, 8, 2, 35, 30, tzinfo=UTC), "2026-12-08T02:35:30Z", "2026-12-08T02:35:30Z"),  # no .000000
        (
            datetime(2026, 12, 8, 4, 35, 30, 500000, tzinfo=timezone(timedelta(hours=2))),  # told in UTC
            "2026-12-08T02:35:30.500000Z",
            "2026-12-08T02:35:30Z",
        ),
        (datetime(999, 1, 2, 3, 4, 5, 7, tzinfo=UTC), "0999-01-02T03:04:05.000007Z", "0999-01-02T03:04:05Z"),
    ],
)
def test_times_are_written_as_eventbridge_writes_them(moment: datetime, precise: str, whole: str) -> None:
    assert format_time(moment) == precise
    assert format_time(moment, whole_seconds=True) == whole
