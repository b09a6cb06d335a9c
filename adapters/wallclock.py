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
    and roughly sortable. `event_id` is what EventBridge uses for events: a random UUID."""

    def new(self, prefix: str) -> str:
        stamp = base36(time.time_ns() // 1000)
        tail = base36(secrets.randbelow(36**6)).rjust(6, "0")
        return f"{prefix}_{stamp}{tail}"

    def event_id(self) -> str:
        return str(uuid.uuid4())
