"""The service/event graph: service -> message -> service, with the lint of `wingcloud spec graph`."""

from __future__ import annotations

import networkx as nx

from spec._errors import SpecProblem
from spec.contract import Contract

TRIGGER = "trigger"
SERVICE = "service"
MESSAGE = "message"


def build_graph(contract: Contract) -> nx.DiGraph:
    """Nodes are `service:x`, `message:X` and `trigger:x`; edges follow the flow of events."""
    graph = nx.DiGraph()
    for name, description in sorted(contract.triggers.items()):
        graph.add_node(f"{TRIGGER}:{name}", kind=TRIGGER, name=name, description=description)
    for name, service in sorted(contract.services.items()):
        graph.add_node(f"{SERVICE}:{name}", kind=SERVICE, name=name, description=service.description)
        for trigger in service.triggers:
            graph.add_edge(f"{TRIGGER}:{trigger}", f"{SERVICE}:{name}", reactive=False)
    for name, message in sorted(contract.messages.items()):
        graph.add_node(
            f"{MESSAGE}:{name}",
            kind=MESSAGE,
            name=name,
            cycle_allowed=message.cycle_allowed,
            terminal=message.terminal,
            external=message.external,
        )
        for op in contract.operations.values():
            if op.message == name and op.action == "send":
                graph.add_edge(f"{SERVICE}:{op.service}", f"{MESSAGE}:{name}", reactive=op.trigger is None)
        for receiver in message.receivers:
            graph.add_edge(f"{MESSAGE}:{name}", f"{SERVICE}:{receiver}", reactive=True)
    return graph


def service_edges(graph: nx.DiGraph) -> list[tuple[str, str, str]]:
    """(sender, message, receiver) triples, sorted: the context map."""
    triples = []
    for node, data in graph.nodes(data=True):
        if data["kind"] != MESSAGE:
            continue
        for sender in graph.predecessors(node):
            for receiver in graph.successors(node):
                triples.append((graph.nodes[sender]["name"], data["name"], graph.nodes[receiver]["name"]))
    return sorted(triples)


def lint_graph(graph: nx.DiGraph) -> list[SpecProblem]:
    problems = []
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] == MESSAGE:
            where = f"/components/messages/{data['name']}"
            if graph.out_degree(node) == 0 and not data.get("terminal"):
                problems.append(SpecProblem(where, f"message {data['name']} is consumed by no service"))
            if graph.in_degree(node) == 0 and not data.get("external"):
                problems.append(SpecProblem(where, f"message {data['name']} is sent by no service"))
    reachable: set[str] = set()
    for node, data in graph.nodes(data=True):
        if data["kind"] == TRIGGER:
            reachable |= nx.descendants(graph, node)
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] == SERVICE and node not in reachable:
            problems.append(
                SpecProblem(
                    f"/x-services/{data['name']}",
                    f"service {data['name']} is unreachable from every external trigger",
                )
            )
    # Only reactions can loop: a send fired by an external trigger (x-trigger) is not caused by what the
    # service received, so it cannot close a cycle.
    reactions = graph.edge_subgraph([(u, v) for u, v, reactive in graph.edges(data="reactive") if reactive])
    for cycle in sorted(sorted(c) for c in nx.simple_cycles(reactions)):
        messages = [graph.nodes[n] for n in cycle if graph.nodes[n]["kind"] == MESSAGE]
        if not any(m.get("cycle_allowed") for m in messages):
            names = " -> ".join(graph.nodes[n]["name"] for n in cycle)
            problems.append(
                SpecProblem(
                    "/operations",
                    f"cycle {names} is not marked allowed (set x-cycle-allowed on one of its messages)",
                )
            )
    return problems


def render_text(graph: nx.DiGraph) -> str:
    lines = []
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] == TRIGGER:
            targets = ", ".join(sorted(graph.nodes[s]["name"] for s in graph.successors(node)))
            lines.append(f"[{data['name']}] -> {targets}")
    width = max((len(s) for s, _, _ in service_edges(graph)), default=0)
    for sender, message, receiver in service_edges(graph):
        lines.append(f"{sender:<{width}} --{message}--> {receiver}")
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] == MESSAGE and graph.out_degree(node) == 0:
            senders = ", ".join(graph.nodes[s]["name"] for s in graph.predecessors(node))
            lines.append(f"{senders:<{width}} --{data['name']}--> (terminal)")
    return "\n".join(lines)
