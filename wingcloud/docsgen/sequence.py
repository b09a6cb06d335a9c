"""Diagrams of one traced run: the mermaid sequence diagram (every delivery, failure, retry and dead letter in
the bus's order) and the flowchart of who sent what to whom."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from wingcloud.docsgen._md import mermaid_id, mermaid_text
from wingcloud.docsgen.traces import Record

DLQ = "dead-letter queue"
OUTSIDE = "outside"

#: (service, detail-type) -> the external trigger that makes the service publish it, if any.
TriggerOf = Callable[[str, str], str | None]


def _origin(record: Record, trigger_of: TriggerOf) -> str:
    """Who an edge event (one without a cause) came from: its trigger, or the outside world."""
    return trigger_of(record.source_service or "", record.detail_type) or OUTSIDE


def label(record: Record, varying: Mapping[str, set[str]]) -> str:
    """The detail-type and the facts that tell this event from others of its kind in the same diagram:
    `EnvironmentStatusChanged (previous_status=deploying, status=running-tests)`."""
    keys = varying.get(record.detail_type, set())
    facts = ", ".join(f"{k}={v}" for k, v in record.facts if k in keys)
    return f"{record.detail_type} ({facts})" if facts else record.detail_type


def varying_facts(records: Sequence[Record]) -> dict[str, set[str]]:
    """detail-type -> the fact keys whose value is not the same in all its records (a constant says nothing)."""
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in records:
        for key, value in r.facts:
            seen[r.detail_type][key].add(value)
    return {t: {k for k, values in facts.items() if len(values) > 1} for t, facts in seen.items()}


def _sender(record: Record) -> str:
    return record.source_service or OUTSIDE


def _arrived(records: Sequence[Record]) -> set[tuple[str, str | None]]:
    """(correlation, service) of every arrival delivered through a door: the events that service publishes at
    the door in that correlation need no arrow from the trigger, the arrival's arrow shows it."""
    return {(r.correlation_id, r.target_service) for r in records if r.arrival and r.kind == "delivered"}


class _Participants:
    """Participants in order of first appearance; triggers and the outside world are actors, kept apart from
    services even when they share a name (the `api` trigger and the `api` service)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._seen: set[tuple[bool, str]] = set()

    def __call__(self, name: str, *, actor: bool = False) -> str:
        ident = mermaid_id("a" if actor else "p", name)
        if (actor, name) not in self._seen:
            self._seen.add((actor, name))
            self.lines.append(f"    {'actor' if actor else 'participant'} {ident} as {mermaid_text(name)}")
        return ident


def sequence_diagram(records: Sequence[Record], trigger_of: TriggerOf) -> str:
    """A `sequenceDiagram` of the records in bus order (`seq`), numbered."""
    who = _Participants()
    varying = varying_facts(records)
    reached = {r.event_id for r in records if r.kind in ("delivered", "failed", "dead-lettered", "rejected")}
    arrived = _arrived(records)
    body: list[str] = []
    for r in sorted(records, key=lambda r: r.seq):
        event = mermaid_text(label(r, varying), 120)
        again = f" (attempt {r.attempt})" if r.attempt > 1 else ""
        error = mermaid_text(r.error or "no error recorded", 70)
        at_door = r.kind == "published" and r.causation_id is None
        origin = (
            who(_origin(r, trigger_of), actor=True)
            if at_door and (r.correlation_id, r.source_service) not in arrived
            else ""
        )
        source = who(_sender(r), actor=r.arrival)
        if r.kind == "published":
            if origin:
                body.append(f"    {origin}->>{source}: {event}")
            if r.event_id not in reached:
                body.append(f"    Note over {source}: {event} published, delivered to no one")
            continue
        if r.kind == "rejected":
            body.append(f"    Note over {source}: {event} rejected: {error}")
            continue
        if r.kind == "replayed":
            body.append(f"    Note over {source}: {event} replayed from the archive")
            continue
        target = who(r.target_service) if r.target_service else source
        if r.kind == "delivered":
            body.append(f"    {source}->>{target}: {event}{again}")
        elif r.kind == "failed":
            body.append(f"    {source}-x{target}: {event} failed{again}")
            body.append(f"    Note right of {target}: {error}")
        elif r.kind == "retry-scheduled":
            body.append(f"    Note over {target}: {event}: attempt {r.attempt} scheduled")
        elif r.kind == "dead-lettered":
            body.append(f"    {target}--x{who(DLQ)}: {event} dead-lettered")
        elif r.kind == "redriven":
            body.append(f"    {who(DLQ)}-->>{target}: {event} redriven")
    # Many participants make a wide diagram: drawn at its own size (the page scrolls it), not shrunk to the
    # page's width until its text cannot be read.
    keep_size = '%%{init: {"sequence": {"useMaxWidth": false}}}%%'
    return "\n".join([keep_size, "sequenceDiagram", "    autonumber", *who.lines, *body])


Node = tuple[bool, str]  # (is an outside trigger, name)


def flow_edges(records: Sequence[Record], trigger_of: TriggerOf) -> list[tuple[Node, str, Node]]:
    """(from, event, to) in order of first appearance: edge events from their trigger, then deliveries."""
    edges: list[tuple[Node, str, Node]] = []
    arrived = _arrived(records)
    for r in sorted(records, key=lambda r: r.seq):
        if r.kind == "published" and r.causation_id is None:
            if (r.correlation_id, r.source_service) in arrived:
                continue
            edge = ((True, _origin(r, trigger_of)), r.detail_type, (False, _sender(r)))
        elif r.kind == "delivered":
            edge = ((r.arrival, _sender(r)), r.detail_type, (False, r.target_service or OUTSIDE))
        else:
            continue
        if edge not in edges:
            edges.append(edge)
    return edges


def flowchart(edges: Sequence[tuple[Node, str, Node]]) -> str:
    """A top-to-bottom flowchart: outside triggers as stadiums, services as boxes, edges numbered. The events
    between two nodes share one arrow (both ways: one two-headed arrow), each line numbered: parallel arrows
    laid out side by side put their labels on top of each other."""
    nodes: list[Node] = []
    grouped: dict[tuple[Node, Node], list[str]] = {}
    for number, (source, event, target) in enumerate(edges, start=1):
        nodes += [n for n in (source, target) if n not in nodes]
        grouped.setdefault((source, target), []).append(f"{number}. {event}")
    lines: list[str] = []
    for (source, target), labels in grouped.items():
        back = grouped.get((target, source))
        if back is None:
            label = "<br/>".join(mermaid_text(text) for text in labels)
            lines.append(f'    {_node_id(source)} -->|"{label}"| {_node_id(target)}')
        elif nodes.index(source) < nodes.index(target):
            ordered = sorted(
                [(text, f"→ {target[1]}") for text in labels] + [(text, f"→ {source[1]}") for text in back],
                key=lambda pair: int(pair[0].split(".", 1)[0]),
            )
            label = "<br/>".join(mermaid_text(f"{text} {way}") for text, way in ordered)
            lines.append(f'    {_node_id(source)} <-->|"{label}"| {_node_id(target)}')
    shapes = [
        f'    {_node_id(n)}(["{mermaid_text(n[1])}"])' if n[0] else f'    {_node_id(n)}["{mermaid_text(n[1])}"]'
        for n in nodes
    ]
    # room for multi-line labels; straight edges put each label where no other edge's label is; drawn at its own
    # size (a workflow that fans out to many services is wider than a page: the page scrolls it, its text stays
    # readable, as for the context map)
    spacing = (
        '%%{init: {"flowchart": {"rankSpacing": 100, "nodeSpacing": 80, "curve": "linear", "useMaxWidth": false}}}%%'
    )
    return "\n".join([spacing, "flowchart TB", *shapes, *lines])  # top to bottom: as narrow as it can be


def _node_id(node: Node) -> str:
    return mermaid_id("t" if node[0] else "s", node[1])
