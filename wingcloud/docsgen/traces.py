"""Recorded traces of scenario runs (`docs/traces/<workflow>.json`): their format, loading and selection.

A trace file holds every record the simulator's bus traced during one scenario, ids normalised to the order
they first appear (`e1`, `c1`, ...) so that a rerun of the same scenario writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bus.trace import TraceKind, TraceRecord
from ports.codec import from_data

FORMAT = 2  # 2: `rule` became `target`; arrivals through a door are recorded (`arrival`)


class TraceFormatError(ValueError):
    """A trace file cannot be read as a trace; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Record:
    """A `bus.trace.TraceRecord` as a trace file keeps it: ids renamed, times as text, the envelope reduced to
    its enum facts and whether there was one; `note` and `duration_ms` left out (they vary from run to run)."""

    seq: int
    at: str
    kind: TraceKind
    event_id: str
    detail_type: str
    source_service: str | None
    target_service: str | None
    target: str | None
    correlation_id: str
    causation_id: str | None
    attempt: int
    error: str | None
    due_at: str | None = None  # when a scheduled retry or a redrive runs
    facts: tuple[tuple[str, str], ...] = ()  # the detail's enum fields (status, reason, type), in schema order
    arrival: bool = False  # an arrival through a door (a webhook, a report), not an event on the bus


@dataclass(frozen=True)
class Trace:
    workflow: str
    feature: str
    scenario: str
    records: tuple[Record, ...]

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "workflow": self.workflow,
            "feature": self.feature,
            "scenario": self.scenario,
            "records": [asdict(r) for r in self.records],
        }
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def select(self, entries: Iterable[str], *, follow: bool = False) -> tuple[Record, ...]:
        """The records of every correlation whose edge event (no cause) is one of `entries`; all when empty.

        With `follow`, every record from the first such edge event on, whatever its correlation: what the
        scenario's When step set off, runtime reports (correlated by deployment) included.
        """
        wanted = set(entries)
        if not wanted:
            return self.records
        roots = [
            r for r in self.records if r.kind == "published" and r.causation_id is None and r.detail_type in wanted
        ]
        if follow:
            first = min((r.seq for r in roots), default=None)
            return tuple(r for r in self.records if first is not None and r.seq >= first)
        correlations = {r.correlation_id for r in roots}
        return tuple(r for r in self.records if r.correlation_id in correlations)


def read_trace(path: Path) -> Trace:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TraceFormatError(f"{path}: not a readable JSON trace ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TraceFormatError(f'{path}: expected a JSON object with "format": {FORMAT}')
    try:
        records = tuple(_record(raw) for raw in document["records"])
        return Trace(str(document["workflow"]), str(document["feature"]), str(document["scenario"]), records)
    except (KeyError, TypeError, ValueError) as exc:
        raise TraceFormatError(f"{path}: malformed trace: {exc!r}") from exc


def _record(raw: Mapping[str, Any]) -> Record:
    try:
        return from_data(Record, raw)
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e['input']!r})" for e in exc.errors())
        raise ValueError(f"record {raw.get('seq')}: {wrong}") from None


def read_traces(folder: Path, names: Iterable[str]) -> dict[str, Trace]:
    """The traces of the named workflows that exist in `folder`."""
    found = {}
    for name in names:
        path = folder / f"{name}.json"
        if path.is_file():
            found[name] = read_trace(path)
    return found


class _Renamer:
    """`e1`, `e2`, ... per kind of id, in order of first appearance."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def __call__(self, kind: str, value: object) -> str | None:
        if value is None:
            return None
        key = (kind, str(value))
        if key not in self._names:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._names[key] = f"{kind}{self._counts[kind]}"
        return self._names[key]


def _facts(raw: TraceRecord, fields: Mapping[str, Sequence[str]]) -> tuple[tuple[str, str], ...]:
    if raw.envelope is None:
        return ()
    detail = raw.envelope.detail
    names = fields.get(raw.detail_type, ())
    return tuple((name, str(detail[name])) for name in names if detail.get(name) is not None)


def normalised(records: Sequence[TraceRecord], facts: Mapping[str, Sequence[str]] | None = None) -> tuple[Record, ...]:
    """The bus's records, ids renamed by first appearance so that the file does not change when only the ids'
    spelling does. `facts` names, per detail-type, the fields of the record's `envelope` detail to keep (see
    `schema.enum_fields`)."""
    rename = _Renamer()
    return tuple(
        Record(
            seq=raw.seq,
            at=raw.at.isoformat(),
            kind=raw.kind,
            event_id=rename("e", raw.event_id) or "",
            detail_type=raw.detail_type,
            source_service=raw.source_service,
            target_service=raw.target_service,
            target=raw.target,
            correlation_id=rename("c", raw.correlation_id) or "",
            causation_id=rename("e", raw.causation_id),
            attempt=raw.attempt,
            error=raw.error,
            due_at=None if raw.due_at is None else raw.due_at.isoformat(),
            facts=_facts(raw, facts or {}),
            arrival=raw.envelope is None,
        )
        for raw in sorted(records, key=lambda r: r.seq)
    )
