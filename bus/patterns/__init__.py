"""AWS EventBridge event patterns: validate them, compile them once, match events against many fast.

Semantics follow the EventBridge user guide and aws/event-ruler, the engine behind it:

* An event is flattened to leaf values by field path. Each element of an array (arrays of arrays too)
  is one more value for the same path; empty objects and arrays contribute nothing, so
  ``{"exists": true}`` does not match ``{}`` or ``[]`` and ``{"exists": false}`` does.
* A field matches when any of its leaves matches any alternative listed for it; every field of a
  pattern must match; ``$or`` (at any level) lists alternative sub-patterns.
* Leaves taken from objects inside one array must come from the same element:
  ``{"a": {"b": [1], "c": [2]}}`` does not match ``{"a": [{"b": 1, "c": 3}, {"b": 4, "c": 2}]}``.
* JSON ``true``/``false``/``null`` are never numbers; numbers compare by value (``[300]`` matches
  ``3e2``) and never equal strings (``["5"]`` does not match ``5``).
* ``prefix``, ``suffix``, ``wildcard``, ``equals-ignore-case`` and ``cidr`` match strings only;
  ``numeric`` matches numbers only; ``anything-but`` matches every present leaf it does not exclude
  (``null``, booleans, and values of the other type included) but never a missing field.
* Wildcards too complex for EventBridge's matcher are refused as PutRule refuses them: the pattern is
  scored with aws/event-ruler's ``MachineComplexityEvaluator`` (rebuilt in ``_complexity``) and a score
  above 10 fails with ``Rule is too complex - ...``.

JSON text is accepted wherever a pattern or an event is, and parsed keeping numbers exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeAlias

from bus.patterns._compile import MAX_COMBINATIONS, Branch, compile_branches
from bus.patterns._eval import UnreadableEventError, branch_matches, build_trie, coerce_event, flatten
from bus.patterns._index import RuleIndex
from bus.patterns._model import Condition
from bus.patterns._operators import InvalidPatternError

__all__ = [
    "MAX_COMBINATIONS",
    "CompiledPattern",
    "InvalidPatternError",
    "RuleSet",
    "UnreadableEventError",
    "compile_pattern",
    "matches_pattern",
    "validate_pattern",
]

Pattern: TypeAlias = "str | bytes | bytearray | Mapping[str, Any] | CompiledPattern"
Event: TypeAlias = str | bytes | bytearray | Mapping[str, Any]


def _rank(condition: Condition) -> int:
    """Cheap, usually failing checks first: exact values, then string operators, then the rest."""
    if condition.exact or condition.equals_ic:
        return 0
    if condition.prefixes or condition.suffixes or condition.prefixes_ic or condition.suffixes_ic:
        return 1
    return 2 if condition.predicates else 3


class CompiledPattern:
    """A validated pattern, ready to match events without re-parsing it."""

    __slots__ = ("_branches", "_root", "_steps")

    def __init__(self, branches: Sequence[Branch]) -> None:
        self._branches = tuple(branches)
        self._root, path_ids = build_trie([c.path for branch in branches for c in branch])
        self._steps = tuple(tuple((path_ids[c.path], c) for c in sorted(branch, key=_rank)) for branch in branches)

    @property
    def branches(self) -> tuple[Branch, ...]:
        """The ``$or``-expanded alternatives; the pattern matches when any branch does."""
        return self._branches

    @property
    def paths(self) -> frozenset[tuple[str, ...]]:
        """Every field path the pattern looks at."""
        return frozenset(c.path for branch in self._branches for c in branch)

    def matches(self, event: Event) -> bool:
        """Whether ``event`` (a Mapping or JSON text of an object) matches, like TestEventPattern."""
        values, chains = flatten(coerce_event(event), self._root)
        return any(branch_matches(steps, steps, values, chains) for steps in self._steps)


def compile_pattern(pattern: Pattern) -> CompiledPattern:
    """Validate and compile ``pattern``; raises InvalidPatternError with EventBridge's reason."""
    if isinstance(pattern, CompiledPattern):
        return pattern
    return CompiledPattern(compile_branches(pattern))


def validate_pattern(pattern: Pattern) -> None:
    """Raise InvalidPatternError if EventBridge would reject ``pattern``."""
    compile_pattern(pattern)


def matches_pattern(pattern: Pattern, event: Event) -> bool:
    """One-off match, like EventBridge's TestEventPattern; use RuleSet to match many rules."""
    return compile_pattern(pattern).matches(event)


class RuleSet:
    """Named patterns (rules) indexed so that one event is matched against all of them quickly.

    Adding or removing a rule only marks the index stale; it is rebuilt on the next ``matching``.
    """

    def __init__(self) -> None:
        self._rules: dict[str, CompiledPattern] = {}
        self._index: RuleIndex | None = None

    def add(self, name: str, pattern: Pattern) -> None:
        """Add (or replace, like PutRule) the rule ``name``; raises InvalidPatternError first."""
        compiled = compile_pattern(pattern)
        self._rules[name] = compiled
        self._index = None

    def remove(self, name: str) -> None:
        """Remove the rule ``name``; removing an unknown rule does nothing, like DeleteRule."""
        if self._rules.pop(name, None) is not None:
            self._index = None

    def matching(self, event: Event) -> set[str]:
        """Names of every rule whose pattern matches ``event``."""
        index = self._index
        if index is None:
            index = self._index = RuleIndex((name, rule.branches) for name, rule in self._rules.items())
        return index.matching(coerce_event(event))

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def get(self, name: str) -> CompiledPattern | None:
        """The compiled pattern of rule ``name``, if any."""
        return self._rules.get(name)
