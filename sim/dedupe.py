"""In-memory idempotency keys: the sim's `ports.Dedupe`, which handlers key on the event id."""

from __future__ import annotations


class MemoryDedupe:
    """Implements `ports.Dedupe`: `first_time(key)` is True once per key, then False forever."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def first_time(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._seen

    def __len__(self) -> int:
        return len(self._seen)
