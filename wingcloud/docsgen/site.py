"""Every generated file, rendered in memory from the inputs: the spec, the traces and the transition table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from spec.contract import Contract
from spec.payloads import PayloadValidator
from wingcloud.docsgen._md import MARKER
from wingcloud.docsgen.graph_views import architecture_svg
from wingcloud.docsgen.page_event import event_page
from wingcloud.docsgen.page_index import index_page
from wingcloud.docsgen.page_service import service_page
from wingcloud.docsgen.page_states import states_page
from wingcloud.docsgen.page_workflow import workflow_page
from wingcloud.docsgen.sequence import TriggerOf
from wingcloud.docsgen.traces import Trace, read_traces
from wingcloud.docsgen.transitions import StateMachine, load_state_machine
from wingcloud.docsgen.workflows import WORKFLOWS, Workflow


@dataclass(frozen=True)
class Inputs:
    contract: Contract
    traces: Mapping[str, Trace]
    states: StateMachine
    workflows: tuple[Workflow, ...] = WORKFLOWS


def load_inputs(spec: Path, traces: Path, workflows: tuple[Workflow, ...] = WORKFLOWS) -> Inputs:
    return Inputs(
        contract=Contract.load(spec),
        traces=read_traces(traces, [w.name for w in workflows]),
        states=load_state_machine(),
        workflows=workflows,
    )


def render(inputs: Inputs) -> dict[str, str]:
    """Relative path (posix) -> content of every generated file."""
    contract = inputs.contract
    validator = PayloadValidator(
        contract.schema_components(), {name: m.schema_name for name, m in contract.messages.items()}
    )
    traced = {
        w.name: (w, inputs.traces[w.name].select(w.entries, follow=w.follow))
        for w in inputs.workflows
        if w.name in inputs.traces
    }
    events_in = {name: {r.detail_type for r in records} for name, (_, records) in traced.items()}
    services_in = {
        name: {s for r in records for s in (r.source_service, r.target_service) if s}
        for name, (_, records) in traced.items()
    }

    trigger_of = trigger_lookup(contract)
    files = {
        "index.md": index_page(contract, inputs.workflows, inputs.traces),
        "architecture.svg": architecture_svg(contract, MARKER),
        "environment-states.md": states_page(inputs.states, _status_order(contract)),
    }
    for name, service in sorted(contract.services.items()):
        seen = [(w.name, w.title) for w, _ in traced.values() if name in services_in[w.name]]
        files[f"services/{name}.md"] = service_page(contract, service, seen)
    for name, message in sorted(contract.messages.items()):
        seen = [(w.name, w.title) for w, _ in traced.values() if name in events_in[w.name]]
        files[f"events/{name}.md"] = event_page(contract, message, validator, seen)
    for workflow in inputs.workflows:
        trace = inputs.traces.get(workflow.name)
        files[f"workflows/{workflow.name}.md"] = workflow_page(workflow, trace, trigger_of)
    return files


def trigger_lookup(contract: Contract) -> TriggerOf:
    """(service, detail-type) -> the external trigger on which the service publishes it, if any."""
    triggers = {
        (op.service, op.message): op.trigger
        for op in sorted(contract.operations.values(), key=lambda o: o.id, reverse=True)
        if op.action == "send" and op.trigger
    }
    return lambda service, message: triggers.get((service, message))


def _status_order(contract: Contract) -> list[str]:
    schema = contract.schema_components().get("EnvironmentStatus") or {}
    return [str(v) for v in schema.get("enum") or ()]
