"""An EventBridge-style archive: every published envelope with the instant it was published."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bus.envelope import Envelope


@dataclass(frozen=True)
class Archived:
    at: datetime
    envelope: Envelope = field(repr=False)


class Archive:
    """Append-only, in publish order; `window` selects what a replay re-sends."""

    def __init__(self) -> None:
        self._entries: list[Archived] = []

    def add(self, at: datetime, envelope: Envelope) -> None:
        self._entries.append(Archived(at, envelope))

    def window(self, start: datetime, end: datetime) -> Iterator[Archived]:
        """Entries published at `start <= at < end`, in publish order."""
        if end <= start:
            raise ValueError(f"a replay window needs start < end, got {start.isoformat()} .. {end.isoformat()}")
        return (entry for entry in self._entries if start <= entry.at < end)

    def envelopes(self) -> list[Envelope]:
        return [entry.envelope for entry in self._entries]

    def __len__(self) -> int:
        return len(self._entries)
