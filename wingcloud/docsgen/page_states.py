"""`docs/environment-states.md`: the environment state machine from the transition table in code."""

from __future__ import annotations

from collections.abc import Sequence

from wingcloud.docsgen._md import code, fenced, mermaid_id, mermaid_text, page, table
from wingcloud.docsgen.transitions import StateMachine, Transition


def state_diagram(transitions: Sequence[Transition], states: Sequence[str], *, full: bool = True) -> str:
    """`full`: mark the initial state and label arrows with their triggers."""
    used = {s for t in transitions for s in (t.source, t.target)}
    states = [s for s in states if s in used]
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{mermaid_text(s)}" as {mermaid_id("st", s)}' for s in states]
    if states and full:
        lines.append(f"    [*] --> {mermaid_id('st', states[0])}")
    rank = {s: i for i, s in enumerate(states)}
    for t in sorted(transitions, key=lambda t: (rank[t.source], rank[t.target])):
        label = f": {mermaid_text(', '.join(t.triggers))}" if t.triggers and full else ""
        lines.append(f"    {mermaid_id('st', t.source)} --> {mermaid_id('st', t.target)}{label}")
    return "\n".join(lines)


def states_page(machine: StateMachine, order: Sequence[str]) -> str:
    """`order` is the spec's `EnvironmentStatus` enum; its first value is the initial state."""
    found = {s for t in machine.transitions for s in (t.source, t.target)}
    states = [s for s in order if s in found or not found] + sorted(found - set(order))
    rank = {s: i for i, s in enumerate(states)}
    labelled = any(t.triggers for t in machine.transitions)
    rows = [
        (code(t.source), code(t.target), ", ".join(code(x) for x in t.triggers))
        for t in sorted(machine.transitions, key=lambda t: (rank[t.source], rank[t.target]))
    ]
    headers = ["From", "To", "Allowed for"] if labelled else ["From", "To"]
    return page(
        "Environment states",
        "The environments service is the only writer of an environment's status. Every change goes through an "
        "explicit transition table; anything not in it is rejected, and runtime reports for an older "
        "deployment or after `stopped` are recorded, not applied.",
        f"Source: {machine.source}." + (" Each arrow is labelled with the triggers that allow it." if labelled else ""),
        fenced("mermaid", state_diagram(machine.transitions, states)),
        _by_trigger(machine, states),
        "## Allowed transitions\n\nEverything not listed here is rejected.\n\n"
        + table(headers, [r if labelled else r[:2] for r in rows]),
        "[Back to the index](index.md)",
    )


def _by_trigger(machine: StateMachine, states: Sequence[str]) -> str:
    """One small diagram per trigger: the full machine above is exact but dense."""
    triggers = sorted({x for t in machine.transitions for x in t.triggers})
    if not triggers:
        return ""
    parts = ["## By trigger"]
    for trigger in triggers:
        mine = [t for t in machine.transitions if trigger in t.triggers]
        parts.append(f"### {code(trigger)}\n\n" + fenced("mermaid", state_diagram(mine, states, full=False)))
    return "\n\n".join(parts)
