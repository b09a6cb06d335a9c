"""Refuse patterns whose wildcards are too complex for EventBridge, scored as aws/event-ruler scores them.

EventBridge compiles a pattern's ``$or``-expanded branches, puts those with a wildcard (or anything-but
wildcard) into one event-ruler ``Machine`` and refuses the rule when ``MachineComplexityEvaluator`` scores
the machine above a limit (event-ruler's README, "limit machine complexity", shows this check). The
machine chains name states: for its fields in sorted order, each field's byte machine leads every
alternative to a next name state, shared by the alternatives of one branch and by branches that agree on
the fields before it. The score is the worst over the byte machines reachable from the start through
value alternatives (``exists: false`` leads to states the evaluator never visits).

Only the wildcard and anything-but-wildcard values are built into byte NFAs (``_byte_machine``); other
alternatives are told apart by value, which is how event-ruler shares next states except in the corner cases
listed in tests/fixtures/eventruler/README.md.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeAlias

from bus.patterns._byte_machine import WILDCARD_KINDS, ByteMachine, Single, State, match_of, state_after
from bus.patterns._model import Condition, RulerPattern, canonical_number
from bus.patterns._operators import fail, is_number, parse_ip

# EventBridge's limit is not published. AWS accepted rules scoring 8 (two "*/datasync/*.ext" wildcards on
# one field) and refused 11 (issue 16) and 16; event-ruler's README sizes a per-rule limit at 10.
MAX_COMPLEXITY: Final = 10
TOO_COMPLEX: Final = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences "
    "after a wildcard character"
)


def ruler_patterns(item: Any) -> tuple[RulerPattern, ...]:
    """How event-ruler lists one (already validated) alternative of a field's array."""
    if isinstance(item, str):
        ip = parse_ip(item)  # a string that reads as an IP address becomes a one-address range
        return (RulerPattern("range", ("ip", *ip, ip[1])),) if ip else (RulerPattern("exact", item),)
    if item is None or isinstance(item, bool):
        return (RulerPattern("exact", ("json", item)),)
    if is_number(item):
        number = canonical_number(item)
        return RulerPattern("numeric-eq", number), RulerPattern("exact", ("number", number))
    name, value = next(iter(item.items()))
    if name == "wildcard":
        return (RulerPattern("wildcard", value, (value,)),)
    if name == "exactly":
        return (RulerPattern("exact", value),)
    if name in ("prefix", "suffix"):
        if isinstance(value, Mapping):
            return (RulerPattern(f"{name}-ic", next(iter(value.values()))),)
        return (RulerPattern(name, value),)
    if name == "anything-but":
        return (_anything_but(value),)
    if name == "exists":
        return (RulerPattern("exists" if value else "absent", None),)
    if name == "numeric" and value[0] == "=":
        return (RulerPattern("numeric-eq", canonical_number(value[1])),)
    return (RulerPattern(name, _frozen(value)),)  # equals-ignore-case, numeric, cidr


def _anything_but(value: Any) -> RulerPattern:
    if isinstance(value, Mapping):
        op, inner = next(iter(value.items()))
        texts = tuple(inner) if isinstance(inner, list | tuple) else (inner,)
        kind = "anything-but-ignore-case" if op == "equals-ignore-case" else f"anything-but-{op}"
        return RulerPattern(kind, frozenset(texts), texts if op == "wildcard" else ())
    values = value if isinstance(value, list | tuple) else [value]
    return RulerPattern("anything-but", frozenset(canonical_number(v) if is_number(v) else v for v in values))


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return canonical_number(value) if is_number(value) else value


Move: TypeAlias = frozenset[Single]  # the NFA transitions one input can be in at once


def machine_complexity(machine: ByteMachine[Any], cap: int) -> int:
    """event-ruler's MachineComplexityEvaluator on one byte machine: walk the sets of transitions one input can
    be in at once, and for each add up, over its transitions, the wildcard patterns still ahead of each; the
    worst set is the score (or ``cap``, once reached)."""
    ahead = _patterns_ahead(machine.start)
    visited: set[Move] = {frozenset([machine.start])}
    pending = deque(_moves_from([machine.start]))
    worst = 0
    while pending:
        move = pending.popleft()
        if move in visited:
            continue
        visited.add(move)
        size = 0
        for single in move:
            size += len(ahead[single])
            state = state_after(single)
            if state is not None:
                # An input that reaches "foo" also reaches "foo*": count what the star state reaches too.
                size += sum(len(ahead[star]) for star in state.every if star not in move)
        if size >= cap:
            return cap
        worst = max(worst, size)
        states = [s for s in dict.fromkeys(map(state_after, move)) if s is not None]
        pending.extend(_moves_from(states))
    return worst


def _patterns_ahead(start: State) -> dict[Single, set[RulerPattern]]:
    """For each transition, the patterns whose match lies ahead (the NFA has no cycles but self loops)."""
    found: dict[Single, set[RulerPattern]] = {}
    expanded: set[Single] = set()
    stack: list[Single] = [start]
    while stack:
        single = stack[-1]
        patterns = found.setdefault(single, set())
        state = state_after(single)
        if single in expanded:
            if state is not None:
                for after in state.singles():
                    patterns |= found[after]
            stack.pop()
            continue
        expanded.add(single)
        match = match_of(single)
        if match is not None:
            patterns.add(match.pattern)
        if state is not None:
            stack.extend(after for after in state.singles() if after not in expanded)
    return found


def _moves_from(states: Sequence[State]) -> list[Move]:
    """The distinct sets of transitions the next byte can take from ``states``, one per class of bytes."""
    bytes_named = sorted({byte for state in states for byte in state.moves})
    moves: dict[Move, None] = {}
    for byte in bytes_named:
        move = frozenset(single for state in states for single in state.on(byte))
        if move:
            moves[move] = None
    if len(bytes_named) < 256:
        other = frozenset(single for state in states for single in state.every)
        if other:
            moves[other] = None
    return list(moves)


class _NameState:
    """A state of event-ruler's field-name machine: a byte machine per field, and where absence leads."""

    __slots__ = ("absent", "fields")

    def __init__(self) -> None:
        self.fields: dict[str, ByteMachine[_NameState]] = {}
        self.absent: dict[str, _NameState] = {}


def _java_order(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")  # Java compares strings by UTF-16 code unit


def _add_branch(start: _NameState, fields: Sequence[tuple[str, tuple[RulerPattern, ...]]]) -> None:
    """event-ruler's GenericMachine.addStep, keeping only what shapes the machine."""
    pending = [(start, 0)]
    while pending:
        state, index = pending.pop()
        name, patterns = fields[index]
        reached: dict[int, _NameState] = {}
        last: _NameState | None = None
        for pattern in patterns:
            if pattern.kind == "absent":
                last = state.absent.setdefault(name, last or _NameState())
            else:
                machine = state.fields.get(name)
                if machine is None:
                    machine = state.fields[name] = ByteMachine(_NameState)
                last = machine.add(pattern, last)
            reached[id(last)] = last
        if index + 1 < len(fields):
            pending.extend((following, index + 1) for following in reached.values())


def wildcard_complexity(branches: Sequence[Sequence[Condition]], cap: int = MAX_COMPLEXITY + 1) -> int:
    """event-ruler's complexity score of the branches that hold a wildcard, capped at ``cap``."""
    start = _NameState()
    for branch in branches:
        if any(p.kind in WILDCARD_KINDS for condition in branch for p in condition.ruler_patterns):
            fields = sorted(((".".join(c.path), c.ruler_patterns) for c in branch), key=lambda f: _java_order(f[0]))
            _add_branch(start, fields)
    worst, seen, pending = 0, set(), [start]
    while pending:
        state = pending.pop()
        if id(state) in seen:
            continue
        seen.add(id(state))
        for machine in state.fields.values():
            worst = max(worst, machine_complexity(machine, cap))
            if worst >= cap:
                return cap
            pending.extend(machine.targets)
    return worst


def check_complexity(branches: Sequence[Sequence[Condition]]) -> None:
    """Raise InvalidPatternError, with EventBridge's reason, when the wildcards score above the limit."""
    if wildcard_complexity(branches) > MAX_COMPLEXITY:
        fail(TOO_COMPLEX)
