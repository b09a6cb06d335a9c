"""uvicorn's HTTP/1.1 protocol with a deadline for reading each request, and a log that cannot flood.

A client that opens a connection and sends its request slowly (headers that never end, a body a byte at a
time) holds a connection for as long as it likes with plain uvicorn: a thousand of them held every genuine
GitHub webhook past GitHub's 10 seconds, and the log grew by hundreds of megabytes. Here each request must
arrive whole within `read_seconds` of its first byte (of the connection, for the first one); otherwise the
connection is closed. What the app does with a request it has received whole (a long SSE stream included)
is not limited.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("wingcloud.http")


class DeadlineH11Protocol(H11Protocol):
    read_seconds = 10.0  # set per server by `deadline_protocol`

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._disarm()  # the whole request is in: the app takes as long as it needs

    def on_response_complete(self) -> None:
        self._disarm()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.read_seconds, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            assert self._deadline is not None
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.warning("closed %s: its request did not arrive within %.0f s", client, self.read_seconds)
            self.transport.close()


def deadline_protocol(read_seconds: float) -> type[DeadlineH11Protocol]:
    """The protocol class for one server (uvicorn takes a class, not an instance)."""
    return type("DeadlineH11Protocol", (DeadlineH11Protocol,), {"read_seconds": read_seconds})


def raise_file_limit() -> int:
    """The soft limit of open files up to the hard one: each connection is a file, and at the limit the
    server stops accepting anyone (and asyncio logs the refusal in a loop). Returns the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class RepeatFilter(logging.Filter):
    """Lets the same message (logger, level, text before its arguments) through at most `burst` times per
    `window` seconds; the next one that passes says how many were held back."""

    def __init__(self, burst: int = 20, window: float = 10.0) -> None:
        super().__init__()
        self._burst, self._window = burst, window
        self._seen: dict[tuple[str, int, Any], list[float | int]] = {}  # key -> [window start, count, dropped]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.msg)
        now = time.monotonic()
        state = self._seen.get(key)
        if state is None or now - state[0] > self._window:
            dropped = int(state[2]) if state else 0
            self._seen[key] = [now, 1, 0]
            if len(self._seen) > 10_000:  # messages without arguments, all different: keep the map bounded
                self._seen = {key: self._seen[key]}
            if dropped:
                record.msg = f"{record.msg} (and {dropped} more like it in the last {self._window:.0f} s)"
            return True
        state[1] = int(state[1]) + 1
        if state[1] <= self._burst:
            return True
        state[2] = int(state[2]) + 1
        return False
