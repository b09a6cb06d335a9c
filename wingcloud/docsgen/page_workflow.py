"""`docs/workflows/<workflow>.md`: a workflow's flowchart and its sequence diagram, from a traced run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from wingcloud.docsgen._md import code, fenced, link, page, table
from wingcloud.docsgen.sequence import TriggerOf, flow_edges, flowchart, sequence_diagram
from wingcloud.docsgen.traces import Record, Trace
from wingcloud.docsgen.workflows import Workflow

_LEGEND = (
    "Read it top to bottom: the numbers are the bus's own order. `->>` is a delivery to the service's rule "
    "(labelled with the event's detail-type), `-x` a failed delivery, `--x` an event moved to the dead-letter "
    "queue; notes show errors, retries, rejections and events delivered to no one."
)

_ACTION = {
    "published": "published",
    "delivered": "delivered",
    "failed": "delivery failed",
    "retry-scheduled": "retry scheduled",
    "dead-lettered": "dead-lettered",
    "rejected": "rejected",
    "replayed": "replayed",
    "redriven": "redriven",
}


def _event(name: str) -> str:
    return link(name, f"../events/{name}.md")


def _service(name: str | None) -> str:
    return link(name, f"../services/{name}.md") if name else ""


def _elapsed(records: Sequence[Record]) -> list[str]:
    """Virtual time since the first record (`+1.5 s`), which shows retry back-off; blank when unparsable."""
    try:
        moments = [datetime.fromisoformat(r.at) for r in records]
    except ValueError:
        return ["" for _ in records]
    return [f"+{(m - moments[0]).total_seconds():g} s" for m in moments]


def _steps(records: Sequence[Record]) -> str:
    rows = []
    for r, elapsed in zip(records, _elapsed(records), strict=True):
        facts = ", ".join(f"{k}={code(v)}" for k, v in r.facts)
        note = "; ".join(n for n in (facts, r.error or "", f"attempt {r.attempt}" if r.attempt > 1 else "") if n)
        caused = "edge" if r.causation_id is None else code(r.causation_id)
        rows.append(
            (
                r.seq,
                elapsed,
                _ACTION[r.kind],
                _event(r.detail_type),
                code(r.event_id),
                caused,
                _service(r.source_service),
                _service(r.target_service),
                note,
            )
        )
    return table(["seq", "time", "what", "event", "id", "caused by", "from", "to", "note"], rows)


def workflow_page(workflow: Workflow, trace: Trace | None, trigger_of: TriggerOf) -> str:
    origin = f"scenario {code(workflow.scenario)} in [{workflow.feature}](../../{workflow.feature})"
    entries = ", ".join(_event(e) for e in workflow.entries) or "every event of the scenario"
    if trace is None:
        return page(
            workflow.title,
            workflow.summary,
            f"Starts with: {entries}.",
            "> [!NOTE]\n> **Trace pending.** No run of "
            + origin
            + f" is recorded in `docs/traces/{workflow.name}.json` yet. Record it with `wingcloud docs traces` "
            "and rebuild; the flowchart and sequence diagram are drawn from that trace, never by hand.",
            "[All workflows](../index.md#workflows)",
        )
    records = trace.select(workflow.entries, follow=workflow.follow)
    edges = flow_edges(records, trigger_of)
    return page(
        workflow.title,
        workflow.summary,
        f"Drawn from the traced run of {origin} (`docs/traces/{workflow.name}.json`). Starts with: {entries}.",
        "## Flow\n\nWho sends which event to whom, numbered by first occurrence; rounded nodes are outside "
        "triggers.\n\n" + fenced("mermaid", flowchart(edges)),
        "## Sequence\n\n" + _LEGEND + "\n\n" + fenced("mermaid", sequence_diagram(records, trigger_of)),
        "## Trace\n\nEvery record of the run, in the bus's order; time is the simulator's virtual clock since the "
        "first record, and ids are renamed in order of appearance (`e1`, `c1`, ...).\n\n" + _steps(records),
        "[All workflows](../index.md#workflows)",
    )
