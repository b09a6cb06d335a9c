"""Deterministic ids for the simulator: `env_00001`, `env_00002`, ... one counter per prefix."""

from __future__ import annotations

import re

from ports.ids import base36

_PREFIX = re.compile(r"^[a-z][a-z0-9]*$")


class SequentialIds:
    """Implements `ports.Ids`: `new("env")` -> `env_00001`; lowercase [0-9a-z] after the underscore.

    Counters are per prefix, so adding an id of one kind never shifts the ids of another kind.
    """

    def __init__(self, width: int = 5) -> None:
        self._width = width
        self._counters: dict[str, int] = {}

    def new(self, prefix: str) -> str:
        if not _PREFIX.match(prefix):
            raise ValueError(f"id prefix must match {_PREFIX.pattern}, got {prefix!r}")
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        return f"{prefix}_{base36(count).rjust(self._width, '0')}"

    def issued(self, prefix: str) -> int:
        """How many ids with `prefix` were handed out."""
        return self._counters.get(prefix, 0)
