"""The console's reads of the local store: live counts for the map, each service's deliveries, the filtered
timeline with the app, environment and pull request each event concerns, and the trace waterfall."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from adapters.local import outbox
from adapters.local.views import timeline_entry
from spec.contract import SOURCE_PREFIX, Contract

_EVENT_COLUMNS = "seq, id, detail_type, source, correlation_id, causation_id, time, envelope"
_STEP_COLUMNS = (
    "seq, at, kind, event_id, detail_type, source_service, target_service, target, correlation_id, causation_id,"
    " attempt, error, duration_ms"
)


def published_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Events published per `<sender>|<detail-type>`: what each arrow of the map has carried."""
    rows = conn.execute("SELECT source, detail_type, COUNT(*) FROM events GROUP BY source, detail_type").fetchall()
    return {f"{source.removeprefix(SOURCE_PREFIX)}|{kind}": int(n) for source, kind, n in rows}


def door_counts(conn: sqlite3.Connection, doors: list[tuple[str, str]]) -> dict[str, int]:
    """Arrivals delivered per `<trigger>|<service>` for each (trigger, service) door: webhooks, runtime reports
    and log batches (API requests and the schedule are commands, not arrivals: they have no door to count)."""
    counts = {f"{trigger}|{service}": 0 for trigger, service in doors}
    triggers = sorted({trigger for trigger, _ in doors})
    marks = ", ".join("?" for _ in triggers) or "NULL"
    rows = conn.execute(
        "SELECT source_service, target_service, COUNT(*) FROM trace WHERE kind = 'delivered'"
        f" AND source_service IN ({marks}) GROUP BY source_service, target_service",
        triggers,
    ).fetchall()
    for trigger, service, n in rows:
        if f"{trigger}|{service}" in counts:
            counts[f"{trigger}|{service}"] = int(n)
    return counts


def health(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Per service: deliveries handled, failed attempts, dead letters waiting."""
    found: dict[str, dict[str, int]] = {}
    for service, kind, n in conn.execute(
        "SELECT target_service, kind, COUNT(*) FROM trace WHERE kind IN ('delivered', 'failed')"
        " AND target_service IS NOT NULL GROUP BY target_service, kind"
    ):
        found.setdefault(service, {"delivered": 0, "failed": 0, "dead_letters": 0})[kind] = int(n)
    for service, n in conn.execute(
        "SELECT COALESCE(service, ''), COUNT(*) FROM dead_letters WHERE redriven_at IS NULL GROUP BY service"
    ):
        found.setdefault(service, {"delivered": 0, "failed": 0, "dead_letters": 0})["dead_letters"] = int(n)
    return found


def steps(conn: sqlite3.Connection, *, after: int = 0, limit: int = 200, **where: str) -> list[dict[str, Any]]:
    """Trace records after `after`, oldest first, where each named column equals its value."""
    clauses = "".join(f" AND {column} = ?" for column in where)
    rows = conn.execute(
        f"SELECT {_STEP_COLUMNS} FROM trace WHERE seq > ?{clauses} ORDER BY seq LIMIT ?",
        (after, *where.values(), limit),
    ).fetchall()
    return [dict(row) for row in rows]


def latest_step(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM trace").fetchone()[0])


def deliveries_of(conn: sqlite3.Connection, service: str, limit: int = 50) -> list[dict[str, Any]]:
    """The service's most recent delivery attempts (handled or failed), newest first."""
    rows = conn.execute(
        f"SELECT {_STEP_COLUMNS} FROM trace WHERE target_service = ? AND kind IN ('delivered', 'failed')"
        " ORDER BY seq DESC LIMIT ?",
        (service, limit),
    ).fetchall()
    return [dict(row) for row in rows]


def dead_letters_of(conn: sqlite3.Connection, service: str) -> list[dict[str, Any]]:
    return [letter for letter in outbox.dead_letters(conn) if letter["service"] == service]


@dataclass(frozen=True)
class Filters:
    """What the timeline shows: every given filter must hold."""

    service: str | None = None  # sent or received by it
    detail_type: str | None = None
    environment_id: str | None = None  # names it, or shares a correlation with an event that does
    pr_number: int | None = None  # names it, or names an environment of it
    text: str | None = None  # anywhere in the event (case-insensitive)


def filtered_events(
    conn: sqlite3.Connection, contract: Contract, filters: Filters, *, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Timeline entries matching `filters`, newest first, with seq below `before` when given."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    env_of = "json_extract(envelope, '$.detail.environment_id')"
    if before is not None:
        where.append("seq < ?")
        params.append(before)
    if filters.service is not None:
        received = list(contract.receives(filters.service))
        where.append(f"(source = ? OR detail_type IN ({', '.join('?' for _ in received) or 'NULL'}))")
        params += [f"{SOURCE_PREFIX}{filters.service}", *received]
    if filters.detail_type is not None:
        where.append("detail_type = ?")
        params.append(filters.detail_type)
    if filters.environment_id is not None:
        where.append(f"({env_of} = ? OR correlation_id IN (SELECT correlation_id FROM events WHERE {env_of} = ?))")
        params += [filters.environment_id, filters.environment_id]
    if filters.pr_number is not None:
        where.append(
            f"(json_extract(envelope, '$.detail.pr_number') = ?"
            f" OR {env_of} IN (SELECT id FROM environments WHERE pr_number = ?))"
        )
        params += [filters.pr_number, filters.pr_number]
    if filters.text:
        escaped = filters.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("(lower(envelope) LIKE ? ESCAPE '\\' OR lower(detail_type) LIKE ? ESCAPE '\\')")
        params += [f"%{escaped}%", f"%{escaped}%"]
    rows = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [timeline_entry(row) for row in rows]


def waterfall(conn: sqlite3.Connection, correlation_id: str) -> dict[str, Any] | None:
    """One row per delivery attempt of a correlation, nested under the attempt that published its event."""
    records = [
        dict(r)
        for r in conn.execute(
            f"SELECT {_STEP_COLUMNS} FROM trace WHERE correlation_id = ? ORDER BY seq", (correlation_id,)
        )
    ]
    events = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE correlation_id = ? ORDER BY seq", (correlation_id,)
    ).fetchall()
    if not records and not events:
        return None
    published = {r["event_id"]: r for r in records if r["kind"] == "published"}
    causes = {row["id"]: row["causation_id"] for row in events}
    rows: list[dict[str, Any]] = []
    last_end: dict[str, str] = {}
    by_key: dict[str, dict[str, Any]] = {}
    for record in records:
        if record["kind"] in ("delivered", "failed", "rejected"):
            key = f"{record['event_id']}>{record['target']}"
            queued = last_end.get(key) or (published.get(record["event_id"]) or {}).get("at")
            row = {
                "id": record["seq"],
                "event_id": record["event_id"],
                "detail_type": record["detail_type"],
                "source_service": record["source_service"],
                "service": record["target_service"] or record["source_service"],
                "target": record["target"],
                "attempt": record["attempt"],
                "outcome": record["kind"],
                "queued_at": queued,
                "at": record["at"],
                "duration_ms": record["duration_ms"],
                "error": record["error"],
                "parent": None,
                "depth": 0,
            }
            rows.append(row)
            last_end[key] = record["at"]
            by_key[key] = row
        elif record["kind"] == "dead-lettered" and record["target"]:
            row_of = by_key.get(f"{record['event_id']}>{record['target']}")
            if row_of is not None:
                row_of["outcome"] = "dead-lettered"
    _nest(rows, records, published, causes)
    envelopes = {row["id"]: json.loads(row["envelope"]) for row in events}
    times = [t for row in rows for t in (row["queued_at"], row["at"]) if t] + [r["at"] for r in records]
    return {
        "correlation_id": correlation_id,
        "started_at": min(times) if times else None,
        "ended_at": max(times) if times else None,
        "rows": rows,
        "envelopes": envelopes,
    }


def _nest(
    rows: list[dict[str, Any]],
    records: list[dict[str, Any]],
    published: dict[str, dict[str, Any]],
    causes: dict[str, str | None],
) -> None:
    """Set each row's parent (the delivery whose handler published its event) and depth; order rows depth
    first. A handler's events are published just before its delivery is recorded, in one transaction, so an
    event without a cause on the bus belongs to the next arrival its sender's door delivered (none: an API
    command published it, and its deliveries are roots)."""
    delivered = [r for r in rows if r["outcome"] != "failed"]
    for row in rows:
        event = published.get(row["event_id"])
        if event is None:
            continue  # an arrival: a root
        sender, cause = event["source_service"], causes.get(row["event_id"])
        for candidate in delivered:
            if candidate["service"] != sender or candidate["id"] < event["seq"]:
                continue
            if candidate["event_id"] == cause or (cause is None and candidate["event_id"] not in published):
                row["parent"] = candidate["id"]
                break
    children: dict[int | None, list[dict[str, Any]]] = {}
    known = {row["id"] for row in rows}
    for row in rows:
        parent = row["parent"] if row["parent"] in known else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict[str, Any]] = []

    def visit(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            row["depth"] = depth
            ordered.append(row)
            visit(row["id"], depth + 1)

    visit(None, 0)
    rows[:] = ordered
