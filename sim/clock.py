"""A clock that moves only when told to: the simulator's time, shared by the bus and every fake."""

from __future__ import annotations

from datetime import datetime, timedelta


class NaiveTimeError(ValueError):
    """A datetime without a timezone was given where UTC-comparable time is required."""


def require_aware(moment: datetime) -> datetime:
    """Return `moment`, or raise NaiveTimeError naming it when it carries no timezone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveTimeError(f"expected a timezone-aware datetime, got naive {moment.isoformat()}")
    return moment


class VirtualClock:
    """Implements `ports.Clock`. Starts at `start` and changes only through `advance` and `set`."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never backwards) and return the new time."""
        if delta < timedelta(0):
            raise ValueError(f"VirtualClock.advance needs a non-negative delta, got {delta}")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment`; going back is allowed (fakes use it to simulate clock skew)."""
        self._now = require_aware(moment)

    def __repr__(self) -> str:
        return f"VirtualClock({self._now.isoformat()})"
