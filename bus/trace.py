"""The bus's flight recorder: an ordered log of every publish, delivery, attempt and dead letter, and the
causal tree of a correlation id (the source of the sequence diagrams in docs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bus.routing import service_of

TraceKind = Literal[
    "published", "delivered", "failed", "retry-scheduled", "dead-lettered", "rejected", "replayed", "redriven"
]


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One step. `attempt` is the delivery attempt it concerns (the upcoming one for retry-scheduled, 0 when
    no target is involved); `due_at` is when a scheduled retry or redrive runs; `envelope` is the event as
    it travelled (with `replay-name` on replays)."""

    seq: int
    at: datetime
    kind: TraceKind
    event_id: str
    detail_type: str
    source_service: str
    target_service: str | None
    rule: str | None
    correlation_id: str
    causation_id: str | None
    attempt: int
    error: str | None
    due_at: datetime | None = None
    envelope: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    note: str | None = None  # what chaos mode did to the delivery, if anything


@dataclass
class TraceNode:
    """A published event and the events its handlers published, in publish order."""

    event_id: str
    detail_type: str
    source_service: str
    children: list[TraceNode] = field(default_factory=list)


class Trace:
    """Records are appended by the bus; read them with `records`, `tree` and `events`."""

    def __init__(self) -> None:
        self._records: list[TraceRecord] = []
        self._by_correlation: dict[str, list[TraceRecord]] = {}
        self._published: dict[str, list[dict[str, Any]]] = {}

    def add(
        self,
        kind: TraceKind,
        envelope: dict[str, Any],
        at: datetime,
        *,
        target_service: str | None = None,
        rule: str | None = None,
        attempt: int = 0,
        error: str | None = None,
        due_at: datetime | None = None,
        note: str | None = None,
    ) -> TraceRecord:
        metadata = envelope["detail"]["metadata"]
        record = TraceRecord(
            seq=len(self._records) + 1,
            at=at,
            kind=kind,
            event_id=envelope["id"],
            detail_type=envelope["detail-type"],
            source_service=service_of(envelope["source"]),
            target_service=target_service,
            rule=rule,
            correlation_id=metadata["correlation_id"],
            causation_id=metadata["causation_id"],
            attempt=attempt,
            error=error,
            due_at=due_at,
            envelope=envelope,
            note=note,
        )
        self._records.append(record)
        self._by_correlation.setdefault(record.correlation_id, []).append(record)
        if kind == "published":
            self._published.setdefault(record.correlation_id, []).append(envelope)
        return record

    def records(self, correlation_id: str | None = None) -> list[TraceRecord]:
        """Every record in order, or those of one correlation id."""
        if correlation_id is None:
            return list(self._records)
        return list(self._by_correlation.get(correlation_id, ()))

    def events(self, correlation_id: str) -> list[dict[str, Any]]:
        """The envelopes published under `correlation_id`, in publish order."""
        return list(self._published.get(correlation_id, ()))

    def tree(self, correlation_id: str) -> list[TraceNode]:
        """Roots (events no other event of this correlation caused), each with its descendants."""
        nodes: dict[str, TraceNode] = {}
        roots: list[TraceNode] = []
        published = self.events(correlation_id)
        for envelope in published:
            node = TraceNode(envelope["id"], envelope["detail-type"], service_of(envelope["source"]))
            nodes.setdefault(node.event_id, node)
        for envelope in published:
            node = nodes[envelope["id"]]
            parent = nodes.get(envelope["detail"]["metadata"]["causation_id"] or "")
            (parent.children if parent is not None and parent is not node else roots).append(node)
        return roots

    def __len__(self) -> int:
        return len(self._records)
