"""The ids a real process draws: event ids are RFC 9562 version 7 UUIDs, sorted by the time they were drawn."""

from __future__ import annotations

import time
import uuid

from adapters.wallclock import RandomIds, uuid7


def test_an_event_id_is_a_version_7_uuid_carrying_its_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    drawn = uuid.UUID(RandomIds().event_id())
    after = time.time_ns() // 1_000_000
    assert (drawn.version, drawn.variant) == (7, uuid.RFC_4122)
    assert before <= drawn.int >> 80 <= after


def test_ids_of_later_milliseconds_sort_after_earlier_ones_and_none_repeat() -> None:
    start = 1_796_000_000_000 * 1_000_000
    ids = [uuid7(start + n * 1_000_000) for n in range(1000) for _ in range(3)]
    by_millisecond = [str(u)[:13] for u in ids]
    assert by_millisecond == sorted(by_millisecond)
    assert len(set(ids)) == len(ids)
    assert str(uuid7(start)).startswith("01a229f1-2800-7")  # 1,796,000,000,000 ms: 48 bits of milliseconds first
