"""The bus's timetable: a heap of work keyed by (due time, tie-breaker, insertion order)."""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


class Agenda(Generic[T]):
    """Pops the earliest item; equal due times go by `order` (0.0 unless chaos draws one), then FIFO."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, float, int, T]] = []
        self._seq = 0

    def push(self, due: datetime, item: T, order: float = 0.0) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, order, self._seq, item))

    def next_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[datetime, T]:
        due, _, _, item = heapq.heappop(self._heap)
        return due, item

    def __len__(self) -> int:
        return len(self._heap)
