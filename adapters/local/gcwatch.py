"""The garbage collector's pauses in this process, for `/healthz`: how many collections of each generation ran,
their time, and the longest ones. A full collection stops every thread while it walks each object it tracks,
so it shows as a latency spike in whatever request or delivery it interrupts; this says whether it did."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_LONGEST = 5  # the longest pauses kept


@dataclass
class Pauses:
    """Collections and their time per generation since `install`, and the `_LONGEST` longest pauses.

    No lock: the collector is the only writer (it runs one collection at a time, whatever the thread), and a
    reader copies what it reads. A lock would deadlock: a collection can start inside `summary` (any allocation
    may set one off), and its callback would then wait for the lock its own thread holds, for ever."""

    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    seconds: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    longest: list[tuple[float, int, str]] = field(default_factory=list)  # (seconds, generation, when)
    clock: Callable[[], float] = time.perf_counter
    frozen: int = 0  # objects `freeze` moved out of the collector's reach (counted once: counting walks them all)
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = self.clock()
            return
        took, generation = self.clock() - self._started, int(info["generation"])
        self.collections[generation] += 1
        self.seconds[generation] += took
        if len(self.longest) < _LONGEST or took > self.longest[-1][0]:
            when = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            self.longest = sorted([*self.longest, (took, generation, when)], reverse=True)[:_LONGEST]

    def summary(self) -> dict[str, Any]:
        collections, seconds, longest = list(self.collections), list(self.seconds), self.longest
        return {
            "collections": collections,
            "total_ms": [round(s * 1000, 1) for s in seconds],
            "longest": [{"ms": round(s * 1000, 1), "generation": g, "at": at} for s, g, at in longest],
            "frozen_objects": self.frozen,
        }


_installed: Pauses | None = None


def install() -> Pauses:
    """Watch this process's collections from now on (once; a second call returns the same watch)."""
    global _installed
    if _installed is None:
        _installed = Pauses()
        gc.callbacks.append(_installed)
    return _installed


def freeze() -> int:
    """Collect, then move every object that survives out of the collector's reach for good (what a server loaded
    at start lives as long as it does), and tell the watch how many that was. `gc.get_freeze_count` walks every
    frozen object (`serve` freezes about 128k): asked on each `/healthz`, polled five times a second during a
    drain, it held 5% of the server's CPU samples. It is asked here once."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    install().frozen = frozen
    return frozen


def summary() -> dict[str, Any] | None:
    """What `install`'s watch saw, or None when nothing watches."""
    return None if _installed is None else _installed.summary()


__all__ = ["Pauses", "freeze", "install", "summary"]
