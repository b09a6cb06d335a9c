"""The bus's flight recorder: one record per step a parcel takes (published, delivered, failed, retried,
dead-lettered, rejected, replayed, redriven), and the causal tree of a correlation id. Every backend writes
these records (in memory, in SQLite, from the Lambda journal); docs draw their sequence diagrams from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bus.envelope import Envelope
from ports import Arrival

TraceKind = Literal[
    "published", "delivered", "failed", "retry-scheduled", "dead-lettered", "rejected", "replayed", "redriven"
]
KINDS: tuple[TraceKind, ...] = (
    "published",
    "delivered",
    "failed",
    "retry-scheduled",
    "dead-lettered",
    "rejected",
    "replayed",
    "redriven",
)


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One step. For an event, `event_id`/`detail_type`/`source_service` are the envelope's; for an arrival
    through a door, its key, its label (`webhook pull_request`) and the door's trigger (`github-webhooks`).
    `attempt` is the delivery attempt it concerns (the upcoming one for retry-scheduled, 0 when no target is
    involved); `due_at` is when a scheduled retry or redrive runs; `envelope` is the event as it travelled
    (with `replay-name` on replays), None for an arrival; `note` says what chaos mode did to a delivery;
    `duration_ms` is how long a delivered or failed attempt took where the backend measures it (the local
    server does; the simulator's virtual time has nothing to measure)."""

    seq: int
    at: datetime
    kind: TraceKind
    event_id: str
    detail_type: str
    source_service: str
    target_service: str | None
    target: str | None
    correlation_id: str
    causation_id: str | None
    attempt: int
    error: str | None
    due_at: datetime | None = None
    envelope: Envelope | None = field(default=None, repr=False, compare=False)
    note: str | None = None
    duration_ms: float | None = None


def parcel_ids(parcel: Envelope | Arrival, source: str | None = None) -> tuple[str, str, str, str, str | None]:
    """What a trace record says of `parcel`: (event id, detail type, source service, correlation id, causation
    id). An arrival is named by its key and label, and comes from `source` (its door's trigger) or its door."""
    if isinstance(parcel, Arrival):
        return parcel.key, parcel.label, source or parcel.door, parcel.correlation_id, None
    return parcel.event_id, parcel.detail_type, parcel.source_service, parcel.correlation_id, parcel.causation_id


def record(
    seq: int,
    kind: TraceKind,
    parcel: Envelope | Arrival,
    at: datetime,
    *,
    source: str | None = None,
    target_service: str | None = None,
    target: str | None = None,
    attempt: int = 0,
    error: str | None = None,
    due_at: datetime | None = None,
    note: str | None = None,
    duration_ms: float | None = None,
) -> TraceRecord:
    """The record of one step of `parcel`; `source` names who sent an arrival (its door's trigger)."""
    event_id, detail_type, source_service, correlation_id, causation_id = parcel_ids(parcel, source)
    return TraceRecord(
        seq=seq,
        at=at,
        kind=kind,
        event_id=event_id,
        detail_type=detail_type,
        source_service=source_service,
        target_service=target_service,
        target=target,
        correlation_id=correlation_id,
        causation_id=causation_id,
        attempt=attempt,
        error=error,
        due_at=due_at,
        envelope=None if isinstance(parcel, Arrival) else parcel,
        note=note,
        duration_ms=duration_ms,
    )


@dataclass
class TraceNode:
    """A published event and the events its handlers published, in publish order."""

    event_id: str
    detail_type: str
    source_service: str
    children: list[TraceNode] = field(default_factory=list)


class Trace:
    """Records in memory, appended by a bus; read them with `records`, `tree` and `events`."""

    def __init__(self) -> None:
        self._records: list[TraceRecord] = []
        self._by_correlation: dict[str, list[TraceRecord]] = {}
        self._published: dict[str, list[Envelope]] = {}

    def add(self, kind: TraceKind, parcel: Envelope | Arrival, at: datetime, **facts: object) -> TraceRecord:
        """Append the record of one step (`facts`: the keyword arguments of `record`)."""
        step = record(len(self._records) + 1, kind, parcel, at, **facts)  # type: ignore[arg-type]
        self._records.append(step)
        self._by_correlation.setdefault(step.correlation_id, []).append(step)
        if kind == "published" and isinstance(parcel, Envelope):
            self._published.setdefault(step.correlation_id, []).append(parcel)
        return step

    def records(self, correlation_id: str | None = None) -> list[TraceRecord]:
        """Every record in order, or those of one correlation id."""
        if correlation_id is None:
            return list(self._records)
        return list(self._by_correlation.get(correlation_id, ()))

    def events(self, correlation_id: str) -> list[Envelope]:
        """The envelopes published under `correlation_id`, in publish order."""
        return list(self._published.get(correlation_id, ()))

    def tree(self, correlation_id: str) -> list[TraceNode]:
        """Roots (events no other event of this correlation caused), each with its descendants."""
        nodes: dict[str, TraceNode] = {}
        roots: list[TraceNode] = []
        published = self.events(correlation_id)
        for envelope in published:
            nodes.setdefault(
                envelope.event_id, TraceNode(envelope.event_id, envelope.detail_type, envelope.source_service)
            )
        for envelope in published:
            node = nodes[envelope.event_id]
            parent = nodes.get(envelope.causation_id or "")
            (parent.children if parent is not None and parent is not node else roots).append(node)
        return roots

    def __len__(self) -> int:
        return len(self._records)
