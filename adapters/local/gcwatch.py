"""The garbage collector's pauses in this process, for `/healthz`: how many collections of each generation ran,
their time, and the longest ones. A full collection stops every thread while it walks each object it tracks,
so it shows as a latency spike in whatever request or delivery it interrupts; this says whether it did."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_LONGEST = 5  # the longest pauses kept


@dataclass
class Pauses:
    """Collections and their time per generation since `install`, and the `_LONGEST` longest pauses."""

    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    seconds: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    longest: list[tuple[float, int, str]] = field(default_factory=list)  # (seconds, generation, when)
    clock: Callable[[], float] = time.perf_counter
    _started: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = self.clock()
            return
        took, generation = self.clock() - self._started, int(info["generation"])
        with self._lock:
            self.collections[generation] += 1
            self.seconds[generation] += took
            if len(self.longest) < _LONGEST or took > self.longest[-1][0]:
                when = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                self.longest = sorted([*self.longest, (took, generation, when)], reverse=True)[:_LONGEST]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "collections": list(self.collections),
                "total_ms": [round(s * 1000, 1) for s in self.seconds],
                "longest": [{"ms": round(s * 1000, 1), "generation": g, "at": at} for s, g, at in self.longest],
                "frozen_objects": gc.get_freeze_count(),
            }


_installed: Pauses | None = None


def install() -> Pauses:
    """Watch this process's collections from now on (once; a second call returns the same watch)."""
    global _installed
    if _installed is None:
        _installed = Pauses()
        gc.callbacks.append(_installed)
    return _installed


def summary() -> dict[str, Any] | None:
    """What `install`'s watch saw, or None when nothing watches."""
    return None if _installed is None else _installed.summary()


__all__ = ["Pauses", "install", "summary"]
