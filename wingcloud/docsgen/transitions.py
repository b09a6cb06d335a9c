"""The environment state machine, read from the code that enforces it.

`services/environments/rules.py` owns the table as the module-level `TRANSITIONS`, either flat,
`Mapping[EnvironmentStatus, frozenset[EnvironmentStatus]]`, or per trigger,
`Mapping[Trigger, Mapping[EnvironmentStatus, frozenset[EnvironmentStatus]]]` (then each arrow is labelled with
the triggers that allow it).
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

RULES_MODULE = "services.environments.rules"
TABLE_NAME = "TRANSITIONS"


class TransitionTableError(TypeError):
    """The module has no table, or it is neither status -> statuses nor trigger -> (status -> statuses)."""


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    triggers: tuple[str, ...]  # empty for a flat table


@dataclass(frozen=True)
class StateMachine:
    transitions: tuple[Transition, ...]
    source: str  # where the table came from, shown on the page


def _name(value: object) -> str:
    return str(getattr(value, "value", value))


def from_table(table: Mapping[Any, Any], source: str) -> StateMachine:
    """Accept the flat and the per-trigger shape; sort everything so the page is the same on every run."""
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    try:
        for key, value in table.items():
            if isinstance(value, Mapping):
                for current, targets in value.items():
                    for target in _iterable(targets, source):
                        pairs[(_name(current), _name(target))].add(_name(key))
            else:
                for target in _iterable(value, source):
                    pairs[(_name(key), _name(target))]
    except AttributeError as exc:
        raise TransitionTableError(f"{source} is not a mapping: {exc}") from exc
    transitions = tuple(Transition(a, b, tuple(sorted(t))) for (a, b), t in sorted(pairs.items()))
    return StateMachine(transitions, source)


def _iterable(value: object, source: str) -> Iterable[object]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TransitionTableError(f"{source}: expected a set of statuses, got {value!r}")
    return value


def load_state_machine() -> StateMachine:
    """The table of `services.environments.rules.TRANSITIONS`."""
    table = getattr(importlib.import_module(RULES_MODULE), TABLE_NAME, None)
    if not isinstance(table, Mapping):
        raise TransitionTableError(f"{RULES_MODULE} has no mapping named {TABLE_NAME} (got {table!r})")
    return from_table(table, f"`{RULES_MODULE}.{TABLE_NAME}`")
