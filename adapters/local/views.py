"""Reads of the event archive and the trace for the API: timeline entries and causal trees."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def timeline(conn: sqlite3.Connection, after: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT seq, id, detail_type, source, correlation_id, causation_id, time, envelope FROM events"
        " WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [timeline_entry(row) for row in rows]


def latest_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])


def timeline_entry(row: sqlite3.Row) -> dict[str, Any]:
    detail = json.loads(row["envelope"])["detail"]
    detail.pop("metadata", None)
    return {
        "seq": row["seq"],
        "id": row["id"],
        "detail_type": row["detail_type"],
        "source": row["source"],
        "correlation_id": row["correlation_id"],
        "causation_id": row["causation_id"],
        "time": row["time"],
        "detail": detail,
    }


def trace_view(conn: sqlite3.Connection, correlation_id: str) -> dict[str, Any] | None:
    """The causal tree of a correlation id (events by causation) and the ordered log of its deliveries."""
    rows = conn.execute(
        "SELECT seq, id, detail_type, source, correlation_id, causation_id, time, envelope FROM events"
        " WHERE correlation_id = ? ORDER BY seq",
        (correlation_id,),
    ).fetchall()
    records = conn.execute(
        "SELECT seq, at, kind, event_id, detail_type, source_service, target_service, target, attempt, error,"
        " duration_ms FROM trace WHERE correlation_id = ? ORDER BY seq",
        (correlation_id,),
    ).fetchall()
    if not rows and not records:
        return None
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:
        entry = timeline_entry(row)
        node = {**entry, "children": []}
        nodes[entry["id"]] = node
        parent = nodes.get(entry["causation_id"] or "")
        (parent["children"] if parent else roots).append(node)
    return {"correlation_id": correlation_id, "tree": roots, "records": [dict(r) for r in records]}
