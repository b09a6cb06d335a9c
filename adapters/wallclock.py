"""What a real process owns of the outside world: the wall clock, and ids that are unique without asking
anyone. Used by every production composition root (the local server, the Lambda functions)."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime

from ports.ids import base36


class SystemClock:
    """Implements `ports.Clock`: UTC now."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    """Implements `ports.Ids`: `prefix_` + base36 of the time in microseconds + 6 random base36 digits: unique
    and roughly sortable. `event_id` is a UUID, as EventBridge's are, of version 7 (RFC 9562): the time in
    milliseconds first, then 74 random bits. Sorted by time, new ids land at the end of every index keyed by
    them (the archive, the deliveries, the ledger), where a random one would dirty a page anywhere in it."""

    def new(self, prefix: str) -> str:
        stamp = base36(time.time_ns() // 1000)
        tail = base36(secrets.randbelow(36**6)).rjust(6, "0")
        return f"{prefix}_{stamp}{tail}"

    def event_id(self) -> str:
        return str(uuid7())


def uuid7(now_ns: int | None = None) -> uuid.UUID:
    """A version 7 UUID (RFC 9562 section 5.7): 48 bits of Unix time in milliseconds, then random bits."""
    millis = ((time.time_ns() if now_ns is None else now_ns) // 1_000_000) & ((1 << 48) - 1)
    random = secrets.randbits(74)
    # time | version 7 | 12 random bits | variant 0b10 | 62 random bits (the uuid module of 3.11 knows no 7)
    return uuid.UUID(int=millis << 80 | 7 << 76 | (random >> 62) << 64 | 0b10 << 62 | random & ((1 << 62) - 1))
