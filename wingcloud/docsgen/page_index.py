"""`docs/index.md`: the context map and the lists of services, events and workflows."""

from __future__ import annotations

from collections.abc import Mapping

from spec.contract import Contract
from wingcloud.docsgen._md import code, fenced, link, page, table
from wingcloud.docsgen.glossary import GLOSSARY
from wingcloud.docsgen.graph_views import context_map
from wingcloud.docsgen.traces import Trace
from wingcloud.docsgen.workflows import Workflow


def index_page(contract: Contract, workflows: tuple[Workflow, ...], traces: Mapping[str, Trace]) -> str:
    services = table(
        ["Service", "What it does", "Receives", "Sends"],
        [
            (
                link(name, f"services/{name}.md"),
                s.description,
                len(contract.receives(name)),
                len(contract.sends(name)),
            )
            for name, s in sorted(contract.services.items())
        ],
    )
    events = table(
        ["Event", "Summary", "Sent by", "Received by"],
        [
            (
                link(name, f"events/{name}.md"),
                m.summary,
                ", ".join(link(s, f"services/{s}.md") for s in m.senders),
                ", ".join(link(r, f"services/{r}.md") for r in m.receivers) or "_terminal_",
            )
            for name, m in sorted(contract.messages.items())
        ],
    )
    flows = table(
        ["Workflow", "What happens", "Traced from"],
        [
            (
                link(w.title, f"workflows/{w.name}.md"),
                w.summary,
                f"{code(w.scenario)} ({w.feature})" if w.name in traces else "_trace pending_",
            )
            for w in workflows
        ],
    )
    title = str((contract.document.get("info") or {}).get("title", "wing.cloud events"))
    return page(
        "wing.cloud architecture",
        f"Generated from the event contract ({code('spec/asyncapi.yaml')}, {title}) and from traced runs of "
        "the scenarios in `features/` on the simulator, so it cannot drift from the code. Regenerate with "
        "`wingcloud docs build`; CI fails when a page is stale. Hand-written design decisions live in "
        "[decisions/](decisions/).",
        "## Context map\n\nEvery service, the external triggers that start work (dashed) and the events between "
        "services. One arrow per pair of services lists all the events on it.\n\n"
        + fenced("mermaid", context_map(contract))
        + "\n\nThe same graph laid out by graphviz: [architecture.svg](architecture.svg).\n\n"
        "![The services of wing.cloud and the events between them](architecture.svg)",
        f"## Services\n\n{len(contract.services)} services; each page shows its rules and neighbourhood.\n\n"
        + services,
        f"## Events\n\n{len(contract.messages)} events. The name is the EventBridge `detail-type`; the source is "
        "`wingcloud.<sender>`.\n\n" + events,
        "## Workflows\n\nThe RFC's workflows, each with a sequence diagram of a real scenario run.\n\n" + flows,
        "## Environment states\n\nThe [environment state machine](environment-states.md), drawn from the "
        "transition table the environments service enforces.",
        "## Glossary\n\nOne word per concept; the code and these pages use them in these senses only.\n\n"
        + table(["Word", "Means"], [(f"**{word}**", meaning) for word, meaning in GLOSSARY]),
    )
