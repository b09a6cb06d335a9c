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
from bus.routing import Envelope, Router, service_of

EVENT = "event"  # a delivery of an archived envelope to one rule's target
WEBHOOK = "webhook"  # a GitHub delivery in the inbox, for the github service's ingress
REPORT = "report"  # a runtime status report in the inbox, for the runtime service's ingress

EDGE_RULES = {WEBHOOK: ("github--webhook", "github"), REPORT: ("runtime--report", "runtime")}


class RedriveError(ValueError):
    """A dead letter cannot be redriven: unknown id, already redriven, or rejected at publish."""


def now_ts() -> float:
    return datetime.now(UTC).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


@dataclass(frozen=True)
class DueDelivery:
    id: int
    kind: str
    ref: str
    rule: str
    service: str
    correlation_id: str
    attempts: int
    created_at: float


def trace(
    conn: sqlite3.Connection,
    kind: str,
    envelope: Envelope,
    *,
    target: str | None = None,
    rule: str | None = None,
    attempt: int = 0,
    error: str | None = None,
) -> None:
    metadata = envelope["detail"]["metadata"]
    conn.execute(
        "INSERT INTO trace (at, kind, event_id, detail_type, source_service, target_service, rule,"
        " correlation_id, causation_id, attempt, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            iso(now_ts()),
            kind,
            envelope["id"],
            envelope["detail-type"],
            service_of(envelope["source"]),
            target,
            rule,
            metadata["correlation_id"],
            metadata["causation_id"],
            attempt,
            error,
        ),
    )


def publish(conn: sqlite3.Connection, router: Router, envelopes: Sequence[Envelope]) -> None:
    """Archive sealed, validated envelopes and queue one delivery per matching rule."""
    now = now_ts()
    for envelope in envelopes:
        metadata = envelope["detail"]["metadata"]
        conn.execute(
            "INSERT INTO events (id, detail_type, source, correlation_id, causation_id, time, envelope)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                envelope["id"],
                envelope["detail-type"],
                envelope["source"],
                metadata["correlation_id"],
                metadata["causation_id"],
                metadata["occurred_at"],
                json.dumps(envelope, separators=(",", ":")),
            ),
        )
        trace(conn, "published", envelope)
        detail = envelope["detail"]
        if envelope["detail-type"] == "EnvironmentDeployRequested":
            conn.execute(
                "INSERT OR IGNORE INTO deployments VALUES (?, ?, ?)",
                (detail["deployment_id"], detail["environment_id"], metadata["correlation_id"]),
            )
        for rule in router.targets(envelope):
            conn.execute(
                "INSERT OR IGNORE INTO deliveries (kind, ref, rule, service, correlation_id, created_at, next_due)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (EVENT, envelope["id"], rule.name, rule.service, metadata["correlation_id"], now, now),
            )


def enqueue_edge(conn: sqlite3.Connection, kind: str, ref: str, correlation_id: str, due: float) -> None:
    rule, service = EDGE_RULES[kind]
    conn.execute(
        "INSERT OR IGNORE INTO deliveries (kind, ref, rule, service, correlation_id, created_at, next_due)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind, ref, rule, service, correlation_id, now_ts(), due),
    )


def due(conn: sqlite3.Connection, limit: int) -> list[DueDelivery]:
    rows = conn.execute(
        "SELECT id, kind, ref, rule, service, correlation_id, attempts, created_at FROM deliveries"
        " WHERE status = 'pending' AND next_due <= ? ORDER BY next_due, id LIMIT ?",
        (now_ts(), limit),
    ).fetchall()
    return [DueDelivery(*row) for row in rows]


def next_due_in(conn: sqlite3.Connection) -> float | None:
    row = conn.execute("SELECT MIN(next_due) FROM deliveries WHERE status = 'pending'").fetchone()
    return None if row[0] is None else max(0.0, float(row[0]) - now_ts())


def envelope_of(conn: sqlite3.Connection, event_id: str) -> Envelope:
    row = conn.execute("SELECT envelope FROM events WHERE id = ?", (event_id,)).fetchone()
    envelope: Envelope = json.loads(row[0])
    return envelope


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
    envelope = letter.envelope
    conn.execute(
        "INSERT INTO dead_letters (id, delivery_id, rule, service, event_id, detail_type, envelope, error_code,"
        " error_message, exhausted_condition, attempts, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            letter.id,
            delivery_id,
            letter.rule,
            letter.target_service,
            envelope.get("id"),
            envelope.get("detail-type"),
            json.dumps(envelope),
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
        envelope,
        target=letter.target_service,
        rule=letter.rule,
        attempt=letter.attempts,
        error=f"{letter.error_code}: {letter.error_message}",
    )


def dead_letters(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, rule, service, event_id, detail_type, error_code, error_message, exhausted_condition,"
        " attempts, at, envelope FROM dead_letters WHERE redriven_at IS NULL ORDER BY at"
    ).fetchall()
    out = []
    for row in rows:
        item = dict(row)
        envelope = json.loads(item.pop("envelope"))
        item["correlation_id"] = envelope["detail"]["metadata"]["correlation_id"]
        item["retry_attempts"] = max(int(item["attempts"]) - 1, 0)
        out.append(item)
    return out


def redrive(conn: sqlite3.Connection, letter_id: str) -> None:
    """Queue a dead letter's delivery again with fresh attempts and age, and take it off the list."""
    row = conn.execute(
        "SELECT delivery_id, envelope, rule, service, redriven_at FROM dead_letters WHERE id = ?", (letter_id,)
    ).fetchone()
    if row is None or row["redriven_at"] is not None:
        raise RedriveError(f"no dead letter waiting with id {letter_id!r}")
    if row["delivery_id"] is None:
        raise RedriveError(
            f"dead letter {letter_id!r} was rejected at publish and has no target; publish a corrected event"
        )
    now = now_ts()
    conn.execute(
        "UPDATE deliveries SET status = 'pending', attempts = 0, created_at = ?, next_due = ? WHERE id = ?",
        (now, now, row["delivery_id"]),
    )
    conn.execute("UPDATE dead_letters SET redriven_at = ? WHERE id = ?", (iso(now), letter_id))
    trace(conn, "redriven", json.loads(row["envelope"]), target=row["service"], rule=row["rule"])
