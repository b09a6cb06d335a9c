"""`docs/services/<service>.md`: what a service owns, receives (with each rule's pattern), sends and uses."""

from __future__ import annotations

from collections.abc import Sequence

from spec.contract import Contract, Service
from wingcloud.docsgen._md import bullets, code, fenced, link, page, table
from wingcloud.docsgen.graph_views import neighbourhood


def _event(name: str) -> str:
    return link(name, f"../events/{name}.md")


def _service(name: str) -> str:
    return link(name, f"{name}.md")


def service_page(contract: Contract, service: Service, workflows: Sequence[tuple[str, str]]) -> str:
    """`workflows` holds (name, title) of the traced workflows this service takes part in."""
    name = service.name
    facts = _facts(
        [
            ("owns", ", ".join(service.owns) or "_nothing_"),
            ("ports", ", ".join(code(p) for p in service.ports) or "_none_"),
            ("triggered by", ", ".join(code(t) for t in service.triggers) or "_events only_"),
            ("EventBridge source", code(f"wingcloud.{name}")),
        ],
    )
    rules = [r for r in contract.rules() if r.service == name]
    receives = (
        table(
            ["Event", "From", "Rule", "Pattern"],
            [
                (
                    _event(r.message),
                    ", ".join(_service(s) for s in contract.messages[r.message].senders),
                    code(r.name),
                    code(r.pattern_json),
                )
                for r in rules
            ],
        )
        if rules
        else "_This service receives no events._"
    )
    sends = [m for m in contract.sends(name)]
    sent = (
        table(
            ["Event", "When", "Received by"],
            [(_event(m), _when(contract, name, m), _receivers(contract, m)) for m in sends],
        )
        if sends
        else "_This service sends no events._"
    )
    in_workflows = bullets([link(t, f"../workflows/{w}.md") for w, t in workflows], "_no traced workflow_")
    return page(
        name,
        service.description,
        facts,
        "## Neighbourhood\n\nWho triggers it, who sends it events and whom it sends events to "
        "(the box with a double border is this service).\n\n" + fenced("mermaid", neighbourhood(contract, name)),
        "## Receives\n\nOne EventBridge rule per received event; its pattern is what the bus matches.\n\n" + receives,
        "## Sends\n\n" + sent,
        "## Takes part in\n\n" + in_workflows,
        "[All services](../index.md#services) · [Context map](../index.md#context-map)",
    )


def _when(contract: Contract, service: str, message: str) -> str:
    triggers = sorted(
        {
            op.trigger
            for op in contract.operations.values()
            if op.service == service and op.message == message and op.action == "send" and op.trigger
        }
    )
    return "on " + ", ".join(code(t) for t in triggers) if triggers else "in reaction to an event"


def _receivers(contract: Contract, message: str) -> str:
    receivers = contract.messages[message].receivers
    return ", ".join(_service(r) for r in receivers) or "_nobody (terminal)_"


def _facts(rows: list[tuple[str, str]]) -> str:
    return "\n".join(f"- **{name}**: {value}" for name, value in rows)
