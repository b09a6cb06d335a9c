"""The durable outbox: SQL for publishing envelopes (archive + one delivery per matching rule + trace),
settling deliveries, dead letters and redrive. Every function runs on the caller's connection, inside the
caller's transaction, so events commit together with the state changes that caused them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bus.deadletters import DeadLetter
from bus.envelope import Envelope
from bus.errors import RedriveError
from bus.routing import Router
from bus.trace import TraceKind, parcel_ids, record
from ports import Arrival

EVENT = "event"  # a delivery of an archived envelope to one rule's target
ARRIVAL = "arrival"  # a delivery of an arrival in the inbox to its door's edge

__all__ = ["ARRIVAL", "EVENT", "DueDelivery", "RedriveError"]


def now_ts() -> float:
    return datetime.now(UTC).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


@dataclass(frozen=True)
class DueDelivery:
    id: int | None  # None: not queued (yet), delivered in the transaction that published its event
    kind: str
    ref: str  # the event id, or the arrival's key
    target: str
    service: str
    correlation_id: str
    attempts: int
    created_at: float


_TRACE_INSERT = (
    "INSERT INTO trace (at, kind, event_id, detail_type, source_service, target_service, target,"
    " correlation_id, causation_id, attempt, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
TraceRow = tuple[Any, ...]


def trace(conn: sqlite3.Connection, kind: TraceKind, parcel: Envelope | Arrival, at: datetime, **facts: Any) -> None:
    """Append the record of one step (`facts`: the keyword arguments of `bus.trace.record`)."""
    conn.execute(_TRACE_INSERT, trace_row(kind, parcel, at, **facts))


def trace_row(
    kind: TraceKind,
    parcel: Envelope | Arrival,
    at: datetime,
    *,
    source: str | None = None,
    target_service: str | None = None,
    target: str | None = None,
    attempt: int = 0,
    error: str | None = None,
    duration_ms: float | None = None,
) -> TraceRow:
    """The row of one step, for `write_trace` (the facts are those of `bus.trace.record` that a row keeps)."""
    event_id, detail_type, source_service, correlation_id, causation_id = parcel_ids(parcel, source)
    return (
        at.isoformat(),
        kind,
        event_id,
        detail_type,
        source_service,
        target_service,
        target,
        correlation_id,
        causation_id,
        attempt,
        error,
        duration_ms,
    )


def write_trace(conn: sqlite3.Connection, rows: Sequence[TraceRow]) -> None:
    """Append rows made by `trace_row`, in their order."""
    conn.executemany(_TRACE_INSERT, rows)


def publish(conn: sqlite3.Connection, router: Router, envelopes: Sequence[Envelope], at: datetime) -> None:
    """Archive sealed, validated envelopes, trace them as published and queue one delivery per matching rule."""
    archive(conn, envelopes, at)
    for envelope in envelopes:
        trace(conn, "published", envelope, at)
        for rule in router.targets(envelope):
            enqueue(conn, envelope, rule.name, rule.service, at)


def archive(conn: sqlite3.Connection, envelopes: Sequence[Envelope], at: datetime) -> None:
    """Archive sealed, validated envelopes, and nothing else: the caller traces them as published and delivers
    them before its transaction commits, or queues what it has not delivered (`enqueue`)."""
    for envelope in envelopes:
        conn.execute(
            "INSERT INTO events (id, detail_type, source, correlation_id, causation_id, time, envelope)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                envelope.event_id,
                envelope.detail_type,
                envelope.source,
                envelope.correlation_id,
                envelope.causation_id,
                envelope.detail["metadata"]["occurred_at"],
                envelope.to_json(),
            ),
        )


# The `next_due` of a delivery that continues work a batch started and did not finish: due before anything
# queued at a time of its own, so what was due after it never overtakes it (`due` orders by next_due, then id).
CONTINUED = 0.0


def enqueue(
    conn: sqlite3.Connection,
    envelope: Envelope,
    target: str,
    service: str,
    at: datetime,
    *,
    next_due: float | None = None,
) -> int | None:
    """Queue the delivery of an archived envelope to one rule's target, made at `at` and due then (or at
    `next_due`, a timestamp); returns its row id (None when that delivery was queued before)."""
    now = at.timestamp()
    queued = conn.execute(
        "INSERT OR IGNORE INTO deliveries (kind, ref, target, service, correlation_id, created_at, next_due)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            EVENT,
            envelope.event_id,
            target,
            service,
            envelope.correlation_id,
            now,
            now if next_due is None else next_due,
        ),
    )
    return queued.lastrowid if queued.rowcount else None


def enqueue_arrival(
    conn: sqlite3.Connection, key: str, target: str, service: str, correlation_id: str, at: datetime
) -> None:
    now = at.timestamp()
    conn.execute(
        "INSERT OR IGNORE INTO deliveries (kind, ref, target, service, correlation_id, created_at, next_due)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (ARRIVAL, key, target, service, correlation_id, now, now),
    )


def due(conn: sqlite3.Connection, limit: int, at: datetime) -> list[DueDelivery]:
    rows = conn.execute(
        "SELECT id, kind, ref, target, service, correlation_id, attempts, created_at FROM deliveries"
        " WHERE status = 'pending' AND next_due <= ? ORDER BY next_due, id LIMIT ?",
        (at.timestamp(), limit),
    ).fetchall()
    return [DueDelivery(*row) for row in rows]


def next_due_in(conn: sqlite3.Connection, at: datetime) -> float | None:
    """Seconds from `at` until the next pending delivery is due (0 when one is due); None when none waits."""
    row = conn.execute("SELECT MIN(next_due) FROM deliveries WHERE status = 'pending'").fetchone()
    return None if row[0] is None else max(0.0, float(row[0]) - at.timestamp())


def envelope_of(conn: sqlite3.Connection, event_id: str) -> Envelope:
    row = conn.execute("SELECT envelope FROM events WHERE id = ?", (event_id,)).fetchone()
    return Envelope.from_wire(row[0])


def mark_done(conn: sqlite3.Connection, delivery: DueDelivery) -> None:
    conn.execute(
        "UPDATE deliveries SET status = 'done', attempts = ?, last_error = NULL WHERE id = ?",
        (delivery.attempts + 1, delivery.id),
    )


def schedule_retry(conn: sqlite3.Connection, delivery: DueDelivery, at: datetime, error: str) -> None:
    conn.execute(
        "UPDATE deliveries SET attempts = ?, next_due = ?, last_error = ? WHERE id = ?",
        (delivery.attempts + 1, at.timestamp(), error, delivery.id),
    )


def file_dead_letter(conn: sqlite3.Connection, letter: DeadLetter, delivery_id: int | None) -> None:
    if delivery_id is not None:
        conn.execute(
            "UPDATE deliveries SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?",
            (letter.attempts, f"{letter.error_code}: {letter.error_message}", delivery_id),
        )
    step = record(0, "dead-lettered", letter.parcel, letter.at)
    conn.execute(
        "INSERT INTO dead_letters (id, delivery_id, target, service, event_id, detail_type, parcel, correlation_id,"
        " error_code, error_message, exhausted_condition, attempts, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            letter.id,
            delivery_id,
            letter.target,
            letter.service,
            step.event_id,
            step.detail_type,
            _parcel_json(letter.parcel),
            step.correlation_id,
            letter.error_code,
            letter.error_message,
            letter.exhausted_condition,
            letter.attempts,
            letter.at.isoformat(),
        ),
    )
    trace(
        conn,
        "dead-lettered",
        letter.parcel,
        letter.at,
        target_service=letter.service,
        target=letter.target,
        attempt=letter.attempts,
        error=f"{letter.error_code}: {letter.error_message}",
    )


def _parcel_json(parcel: Envelope | Arrival) -> str:
    """What a dead letter keeps of its parcel: the envelope, or where to find the arrival (its body stays in
    the inbox until the dead letter is done with)."""
    if isinstance(parcel, Envelope):
        return parcel.to_json().decode()
    return json.dumps({"door": parcel.door, "id": parcel.id, "name": parcel.name, "key": parcel.key})


def dead_letters(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, target, service, event_id, detail_type, correlation_id, error_code, error_message,"
        " exhausted_condition, attempts, at FROM dead_letters WHERE redriven_at IS NULL ORDER BY at"
    ).fetchall()
    return [{**dict(row), "retry_attempts": max(int(row["attempts"]) - 1, 0)} for row in rows]


def redrive(conn: sqlite3.Connection, letter_id: str, at: datetime) -> tuple[str, str, str]:
    """Queue a dead letter's delivery again with fresh attempts and age, and take it off the list; returns
    (kind, ref, target) of the delivery, for its trace record."""
    row = conn.execute(
        "SELECT d.delivery_id, d.redriven_at, v.kind, v.ref, v.target FROM dead_letters d"
        " LEFT JOIN deliveries v ON v.id = d.delivery_id WHERE d.id = ?",
        (letter_id,),
    ).fetchone()
    if row is None or row["redriven_at"] is not None:
        raise RedriveError(f"no dead letter waiting with id {letter_id!r}")
    if row["delivery_id"] is None:
        raise RedriveError(
            f"dead letter {letter_id!r} was rejected at publish and has no target; publish a corrected event"
        )
    now = at.timestamp()
    conn.execute(
        "UPDATE deliveries SET status = 'pending', attempts = 0, created_at = ?, next_due = ? WHERE id = ?",
        (now, now, row["delivery_id"]),
    )
    conn.execute("UPDATE dead_letters SET redriven_at = ? WHERE id = ?", (iso(now), letter_id))
    return str(row["kind"]), str(row["ref"]), str(row["target"])


def prune_history(conn: sqlite3.Connection, before: float, page: int = 1000) -> dict[str, int]:
    """Forget what is older than `before` (a timestamp) and finished: archived events none of whose deliveries
    is pending or dead-lettered, their done deliveries and ledger marks, trace records, feed items, and
    dead letters already redriven. What may still be retried or redriven stays. Runs in the caller's transaction.
    Returns rows removed per kind."""
    cutoff = iso(before)
    removed = {"events": 0, "deliveries": 0, "trace": 0, "feed": 0, "dead_letters": 0}
    while True:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT e.id FROM events e WHERE e.time < ? AND NOT EXISTS (SELECT 1 FROM deliveries d"
                " WHERE d.kind = ? AND d.ref = e.id AND d.status != 'done') LIMIT ?",
                (cutoff, EVENT, page),
            )
        ]
        if not ids:
            break
        chosen = json.dumps(ids)
        removed["deliveries"] += conn.execute(
            "DELETE FROM deliveries WHERE kind = ? AND ref IN (SELECT value FROM json_each(?))", (EVENT, chosen)
        ).rowcount
        conn.execute("DELETE FROM handled WHERE key IN (SELECT value FROM json_each(?))", (chosen,))
        removed["events"] += conn.execute(
            "DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))", (chosen,)
        ).rowcount
    refs = json.dumps(
        [
            row[0]
            for row in conn.execute(
                "SELECT ref FROM deliveries WHERE kind = ? AND status = 'done' AND created_at < ?", (ARRIVAL, before)
            )
        ]
    )
    conn.execute("DELETE FROM handled WHERE key IN (SELECT value FROM json_each(?))", (refs,))
    removed["deliveries"] += conn.execute(
        "DELETE FROM deliveries WHERE kind = ? AND ref IN (SELECT value FROM json_each(?)) AND status = 'done'",
        (ARRIVAL, refs),
    ).rowcount
    removed["trace"] = conn.execute("DELETE FROM trace WHERE at < ?", (cutoff,)).rowcount
    removed["feed"] = conn.execute("DELETE FROM feed WHERE at < ?", (cutoff,)).rowcount
    removed["dead_letters"] = conn.execute(
        "DELETE FROM dead_letters WHERE redriven_at IS NOT NULL AND at < ?", (cutoff,)
    ).rowcount
    return removed
