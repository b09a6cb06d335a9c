"""PutEvents, done properly: batches of at most 10 entries under the request size limit, failed entries
retried with backoff and never dropped, and an event too large for EventBridge refused before anything is sent.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bus.envelope import Envelope

MAX_ENTRIES = 10
# "The total entry size must be less than 256KB" (EventBridge, "Calculating PutEvents event entry size").
# AWS announced a 1 MB payload limit in January 2026; 256 KiB stays the default (and the documented entry
# limit) until every region we deploy to is known to accept more.
MAX_REQUEST_BYTES = 256 * 1024
TIME_BYTES = 14  # a `Time` parameter counts 14 bytes, whatever its value
# PutEventsResultEntry.ErrorCode values AWS documents as non-retryable; anything else is retried.
PERMANENT_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "InvalidAccountIdException",
        "InvalidArgument",
        "MalformedDetail",
        "RedactionFailure",
        "NotAuthorizedForSourceException",
        "NotAuthorizedForDetailTypeException",
    }
)


@dataclass(frozen=True)
class Entry:
    """One PutEvents request entry; `label` names the event in errors (detail-type and our event id)."""

    source: str
    detail_type: str
    detail: str
    time: datetime | None = None
    resources: tuple[str, ...] = ()
    label: str = ""

    @property
    def size(self) -> int:
        """The entry size as EventBridge computes it."""
        size = TIME_BYTES if self.time is not None else 0
        size += len(self.source.encode()) + len(self.detail_type.encode()) + len(self.detail.encode())
        return size + sum(len(r.encode()) for r in self.resources)

    @property
    def name(self) -> str:
        return self.label or self.detail_type

    def request(self, bus: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "EventBusName": bus,
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": self.detail,
        }
        if self.time is not None:
            entry["Time"] = self.time
        if self.resources:
            entry["Resources"] = list(self.resources)
        return entry


def entry_of(envelope: Envelope, time: datetime | None = None) -> Entry:
    """The PutEvents entry for a sealed envelope (EventBridge gives the event an id of its own; ours is in the
    detail's metadata)."""
    return Entry(
        source=envelope.source,
        detail_type=envelope.detail_type,
        detail=json.dumps(envelope.detail, separators=(",", ":"), ensure_ascii=False),
        time=time,
        resources=envelope.resources,
        label=f"{envelope.detail_type} {envelope.event_id}",
    )


class EventTooLargeError(ValueError):
    """An event is over EventBridge's entry size limit; raised before anything is sent."""

    def __init__(self, entry: Entry, limit: int) -> None:
        self.entry = entry
        super().__init__(
            f"event {entry.name} is too large for EventBridge: entry size {entry.size} bytes "
            f"(detail-type + source + detail + resources + time), the limit is under {limit} bytes"
        )


class PublishError(RuntimeError):
    """Entries PutEvents would not accept; names every event with its error code."""

    def __init__(self, failures: Sequence[tuple[Entry, str, str]], attempts: int) -> None:
        self.failures = list(failures)
        listed = "; ".join(f"{entry.name}: {code} {message}".strip() for entry, code, message in failures)
        super().__init__(f"PutEvents failed for {len(failures)} event(s) after {attempts} attempt(s): {listed}")


class Publisher:
    """Publishes entries to one bus; `publish` returns EventBridge's event ids in entry order, or raises."""

    def __init__(
        self,
        client: Any,
        bus: str,
        *,
        max_attempts: int = 6,
        base_delay: float = 0.05,
        max_delay: float = 2.0,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client, self._bus = client, bus
        self._max_attempts, self._base, self._cap = max_attempts, base_delay, max_delay
        self._limit = max_request_bytes
        self._sleep, self._jitter = sleep, jitter

    def publish(self, entries: Sequence[Entry]) -> list[str]:
        for entry in entries:
            if entry.size >= self._limit:
                raise EventTooLargeError(entry, self._limit)
        ids: list[str] = []
        for batch in batches(entries, self._limit):
            ids.extend(self._send(batch))
        return ids

    def _send(self, batch: list[Entry]) -> list[str]:
        ids: dict[int, str] = {}
        pending = list(range(len(batch)))
        for attempt in range(1, self._max_attempts + 1):
            response = self._client.put_events(Entries=[batch[i].request(self._bus) for i in pending])
            failed: list[tuple[int, str, str]] = []
            for index, result in zip(pending, response["Entries"], strict=True):
                if result.get("ErrorCode"):
                    failed.append((index, str(result["ErrorCode"]), str(result.get("ErrorMessage", ""))))
                else:
                    ids[index] = str(result["EventId"])
            if not failed:
                return [ids[i] for i in range(len(batch))]
            permanent = [f for f in failed if f[1] in PERMANENT_ERRORS]
            if permanent or attempt == self._max_attempts:
                raise PublishError([(batch[i], code, msg) for i, code, msg in permanent or failed], attempt)
            self._sleep(self._jitter() * min(self._cap, self._base * 2 ** (attempt - 1)))
            pending = [index for index, _, _ in failed]
        raise AssertionError("unreachable: the loop returns or raises")


def batches(entries: Sequence[Entry], limit: int = MAX_REQUEST_BYTES) -> list[list[Entry]]:
    """Consecutive groups of at most 10 entries whose sizes add up to less than `limit`, order kept."""
    result: list[list[Entry]] = []
    current: list[Entry] = []
    size = 0
    for entry in entries:
        if current and (len(current) == MAX_ENTRIES or size + entry.size >= limit):
            result.append(current)
            current, size = [], 0
        current.append(entry)
        size += entry.size
    if current:
        result.append(current)
    return result
