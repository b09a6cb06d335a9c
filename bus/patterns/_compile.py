"""Validate an EventBridge event pattern and compile it into ``$or``-expanded branches of conditions.

Error reasons follow the wording of aws/event-ruler (the engine behind EventBridge), so a pattern that
EventBridge rejects fails here with the same ``Event pattern is not valid. Reason: ...`` text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, NoReturn, TypeAlias

from bus.patterns._complexity import check_complexity, ruler_patterns
from bus.patterns._model import FALSE, NULL, TRUE, Condition, Number, Predicate, RulerPattern, Value, canonical_number
from bus.patterns._operators import (
    InvalidPatternError,
    anything_but,
    cidr,
    fail,
    is_number,
    numeric,
    single_key,
    wildcard,
)

MAX_COMBINATIONS: Final = 1000
OR_KEYWORD: Final = "$or"
# Operator names (and names event-ruler reserves for future operators) may not be field names inside $or.
_RESERVED_IN_OR: Final = frozenset(
    {
        "exactly",
        "equals-ignore-case",
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "wildcard",
        "numeric",
        "cidr",
        "=",
        "<",
        "<=",
        ">",
        ">=",
        "regex",
        "not-wildcard",
        "not-equals-ignore-case",
        "date-after",
        "date-on-or-after",
        "date-before",
        "date-on-or-before",
        "in-date-range",
        "ip-address-in-range",
        "ip-address-not-in-range",
    }
)

Branch: TypeAlias = tuple[Condition, ...]


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads silently keeps the last of duplicate keys; EventBridge refuses a field given twice.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            fail(f"Path `{key}` cannot be allowed multiple times")
        result[key] = value
    return result


def parse_pattern_text(text: str | bytes | bytearray) -> Any:
    """Parse pattern JSON keeping number spelling exact (floats as Decimal)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except InvalidPatternError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        fail(f"Filter is not valid JSON: {exc}")


def compile_branches(pattern: str | bytes | bytearray | Mapping[str, Any]) -> list[Branch]:
    """Validate ``pattern`` and return its branches; the pattern matches when any branch does."""
    branches = expand_branches(pattern)
    check_complexity(branches)
    return branches


def expand_branches(pattern: str | bytes | bytearray | Mapping[str, Any]) -> list[Branch]:
    """Validate everything but wildcard complexity and expand ``$or``, in event-ruler's branch order."""
    parsed = parse_pattern_text(pattern) if isinstance(pattern, str | bytes | bytearray) else pattern
    if not isinstance(parsed, Mapping):
        fail("Filter is not an object")
    return _object(parsed, (), in_or=False)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _object(obj: Mapping[Any, Any], prefix: tuple[str, ...], *, in_or: bool) -> list[Branch]:
    if not obj:
        fail("Empty objects are not allowed")
    branches: list[Branch] = [()]
    for key, value in obj.items():
        if not isinstance(key, str):
            fail(f"Field names must be strings, got {key!r} in `{_dotted(prefix) or '<root>'}`")
        if key == OR_KEYWORD:
            alternatives = _or(value, prefix)
        else:
            if in_or and key in _RESERVED_IN_OR:
                fail(f"{key} is Ruler reserved fieldName which cannot be used inside {OR_KEYWORD}.")
            path = (*prefix, *key.split("."))  # AWS joins field paths with `.`: `a.b` is the path a, b
            if isinstance(value, Mapping):
                alternatives = _object(value, path, in_or=in_or)
            elif isinstance(value, list | tuple):
                alternatives = [(_condition(path, value),)]
            else:
                fail(f'"{key}" must be an object or an array')
        branches = _product(branches, alternatives)
    return branches


def _or(value: Any, prefix: tuple[str, ...]) -> list[Branch]:
    if not isinstance(value, list | tuple):
        fail(f"It must be an Array followed with {OR_KEYWORD}.")
    branches: list[Branch] = []
    for item in value:
        if not isinstance(item, Mapping):
            fail(f"Only JSON object is allowed in array of {OR_KEYWORD} relationship.")
        branches.extend(_object(item, prefix, in_or=True))
        _check_combinations(len(branches))
    if len(value) < 2:
        fail(f"There must have at least 2 Objects in {OR_KEYWORD} relationship.")
    return branches


def _check_combinations(count: int) -> None:
    if count > MAX_COMBINATIONS:
        fail(
            f"The {OR_KEYWORD} expressions expand to {count} combinations or more; "
            f"at most {MAX_COMBINATIONS} are allowed"
        )


def _product(left: list[Branch], right: list[Branch]) -> list[Branch]:
    _check_combinations(len(left) * len(right))
    merged: list[Branch] = []
    # event-ruler lists each alternative of a later $or with every branch so far (alternative-major); its
    # complexity check builds its machine in that order, so the branches keep it.
    for b in right:
        for a in left:
            seen = {condition.path for condition in a}
            for condition in b:
                if condition.path in seen:
                    fail(f"Path `{_dotted(condition.path)}` cannot be allowed multiple times")
            merged.append(a + b)
    return merged


class _Alternatives:
    """Collects the alternatives listed for one field, then freezes them into a Condition."""

    def __init__(self) -> None:
        self.exact: set[Value] = set()
        self.prefixes: list[str] = []
        self.suffixes: list[str] = []
        self.equals_ic: set[str] = set()
        self.prefixes_ic: list[str] = []
        self.suffixes_ic: list[str] = []
        self.predicates: list[Predicate] = []
        self.exists = False
        self.absent_ok = False
        self.ruler: list[RulerPattern] = []

    def add_wildcard(self, alternative: tuple[str, str] | Predicate) -> None:
        if isinstance(alternative, Predicate):
            self.predicates.append(alternative)
        else:
            kind, text = alternative
            if kind == "exact":
                self.exact.add(text)
            else:
                (self.prefixes if kind == "prefix" else self.suffixes).append(text)

    def add_numeric(self, alternative: Number | Predicate) -> None:
        if isinstance(alternative, Predicate):
            self.predicates.append(alternative)
        else:
            self.exact.add(alternative)

    def build(self, path: tuple[str, ...]) -> Condition:
        return Condition(
            path,
            exact=frozenset(self.exact),
            prefixes=tuple(dict.fromkeys(self.prefixes)),
            suffixes=tuple(dict.fromkeys(self.suffixes)),
            equals_ic=frozenset(self.equals_ic),
            prefixes_ic=tuple(dict.fromkeys(self.prefixes_ic)),
            suffixes_ic=tuple(dict.fromkeys(self.suffixes_ic)),
            predicates=tuple({p.key: p for p in self.predicates}.values()),
            exists=self.exists,
            absent_ok=self.absent_ok,
            ruler_patterns=tuple(self.ruler),
        )


def _condition(path: tuple[str, ...], items: Sequence[Any]) -> Condition:
    if not items:
        fail("Empty arrays are not allowed")
    alternatives = _Alternatives()
    for item in items:
        if isinstance(item, str):
            alternatives.exact.add(item)
        elif isinstance(item, bool):
            alternatives.exact.add(TRUE if item else FALSE)
        elif item is None:
            alternatives.exact.add(NULL)
        elif is_number(item):
            alternatives.exact.add(canonical_number(item))
        elif isinstance(item, Mapping):
            _expression(item, alternatives)
        else:
            fail("Match value must be String, number, true, false, or null")
        alternatives.ruler.extend(ruler_patterns(item))
    return alternatives.build(path)


def _expression(expression: Mapping[str, Any], into: _Alternatives) -> None:
    if not expression:
        fail("Match expression name not found")
    name, value = next(iter(expression.items()))
    if name == "exactly":
        if not isinstance(value, str):
            fail("exact match pattern must be a string")
        into.exact.add(value)
    elif name in ("prefix", "suffix"):
        if isinstance(value, Mapping):
            lowered = _nested_ignore_case(name, value).lower()
            (into.prefixes_ic if name == "prefix" else into.suffixes_ic).append(lowered)
        elif isinstance(value, str):
            (into.prefixes if name == "prefix" else into.suffixes).append(value)
        else:
            fail(f"{name} match pattern must be a string")
    elif name == "equals-ignore-case":
        if not isinstance(value, str):
            fail("equals-ignore-case match pattern must be a string")
        into.equals_ic.add(value.lower())
    elif name == "wildcard":
        if not isinstance(value, str):
            fail("wildcard match pattern must be a string")
        into.add_wildcard(wildcard(value))
    elif name == "numeric":
        into.add_numeric(numeric(value))
        single_key(expression, "Too many elements in numeric expression")
    elif name == "anything-but":
        into.predicates.append(anything_but(value))
        single_key(expression, "Too many elements in numeric expression")
    elif name == "exists":
        if not isinstance(value, bool):
            fail("exists match pattern must be either true or false.")
        if value:
            into.exists = True
        else:
            into.absent_ok = True
    elif name == "cidr":
        if not isinstance(value, str):
            fail("cidr match pattern must be a string")
        into.predicates.append(cidr(value))
    else:
        fail(f"Unrecognized match type {name}")
    single_key(expression)


def _nested_ignore_case(name: str, value: Mapping[str, Any]) -> str:
    """The ``{"equals-ignore-case": "x"}`` object nested in prefix or suffix."""
    if not value:
        fail(f"{name.capitalize()} expression name not found")
    inner_name, inner = next(iter(value.items()))
    if inner_name != "equals-ignore-case":
        fail(f"Unsupported {name} pattern: {inner_name}")
    if not isinstance(inner, str):
        fail("equals-ignore-case match pattern must be a string")
    single_key(value)
    return inner
