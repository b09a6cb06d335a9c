"""Property tests: bus.patterns agrees with a brute-force reference matcher on generated inputs.

The reference supports exact values, prefix, suffix, anything-but, numeric, exists and arrays of
objects, and spells out the semantics directly: list every leaf with the array elements it sits in,
try every way of picking one leaf per field, and accept a pick whose leaves never come from two
different elements of the same array. ``exists: false`` holds when no leaf of the field could sit
beside the picked ones.
"""

from __future__ import annotations

import itertools
import json
import operator
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bus.patterns import RuleSet, matches_pattern

KEYS = ["a", "b", "c"]
STRINGS = ["", "x", "xy", "yx", "5", "null"]
NUMBERS = [0, 1, 5, 300, -2, 1.5, 300.0]
SCALARS = [*STRINGS, *NUMBERS, True, False, None]

# --- reference ------------------------------------------------------------------------------------


def leaves(event: Any) -> list[tuple[tuple[str, ...], Any, dict[int, int]]]:
    """(path, value, {array id: element index}) for every leaf; arrays get ids in visiting order."""
    found: list[tuple[tuple[str, ...], Any, dict[int, int]]] = []
    ids = itertools.count()

    def walk(node: Any, path: tuple[str, ...], elements: dict[int, int]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key), elements)
        elif isinstance(node, list):
            array_id = next(ids)
            for index, item in enumerate(node):
                walk(item, path, {**elements, array_id: index})
        else:
            found.append((path, node, elements))

    walk(event, (), {})
    return found


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or expected is None:
        return value is expected
    if isinstance(expected, str):
        return isinstance(value, str) and value == expected
    return is_number(value) and value == expected


def satisfies(alternative: Any, value: Any) -> bool:
    if not isinstance(alternative, dict):
        return equal(alternative, value)
    (name, argument), *_ = alternative.items()
    if name == "prefix":
        return isinstance(value, str) and value.startswith(argument)
    if name == "suffix":
        return isinstance(value, str) and value.endswith(argument)
    if name == "anything-but":
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(equal(item, value) for item in excluded)
    if name == "exists":
        return argument is True
    assert name == "numeric"
    if not is_number(value):
        return False
    checks = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "=": operator.eq}
    return all(checks[op](value, bound) for op, bound in zip(argument[::2], argument[1::2], strict=True))


def fields(pattern: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[Any]]]:
    result: list[tuple[tuple[str, ...], list[Any]]] = []
    for key, value in pattern.items():
        if isinstance(value, dict):
            result += fields(value, (*prefix, key))
        else:
            result.append(((*prefix, key), value))
    return result


def agrees(a: dict[int, int], b: dict[int, int]) -> bool:
    return all(b.get(array_id, index) == index for array_id, index in a.items())


def reference_match(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    all_leaves = leaves(event)
    choices = []
    for path, alternatives in fields(pattern):
        here = [(value, elements) for leaf_path, value, elements in all_leaves if leaf_path == path]
        options: list[tuple[str, Any]] = [
            ("pick", elements) for value, elements in here if any(satisfies(alt, value) for alt in alternatives)
        ]
        if {"exists": False} in alternatives:
            options.append(("absent", [elements for _, elements in here]))
        choices.append(options)
    return search(choices, {}, [])


def search(choices: list[list[tuple[str, Any]]], merged: dict[int, int], absent: list[list[dict[int, int]]]) -> bool:
    """Try every option for the first field, keeping only picks that agree with the earlier ones."""
    if not choices:
        return all(not agrees(elements, merged) for others in absent for elements in others)
    (first, *rest) = choices
    for kind, chosen in first:
        if kind == "absent":
            if search(rest, merged, [*absent, chosen]):
                return True
        elif agrees(chosen, merged) and search(rest, {**merged, **chosen}, absent):
            return True
    return False


# --- generators -----------------------------------------------------------------------------------

scalars = st.sampled_from(SCALARS)
events = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=12,
).map(lambda tree: tree if isinstance(tree, dict) else {"a": tree})

numeric_ranges = st.one_of(
    st.tuples(st.sampled_from([">", ">=", "<", "<=", "="]), st.sampled_from(NUMBERS)).map(list),
    st.tuples(st.sampled_from([-3, 0, 1]), st.sampled_from([2, 5, 400])).map(lambda b: [">=", b[0], "<", b[1]]),
)
alternatives = st.one_of(
    scalars,
    st.builds(lambda s: {"prefix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"suffix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"anything-but": s}, st.sampled_from(["x", "5", 1, 300])),
    st.builds(lambda xs: {"anything-but": sorted(set(xs))}, st.lists(st.sampled_from(["x", "xy", ""]), min_size=1)),
    st.builds(lambda xs: {"anything-but": sorted(set(xs))}, st.lists(st.sampled_from([0, 1, 300]), min_size=1)),
    st.builds(lambda r: {"numeric": r}, numeric_ranges),
    st.builds(lambda b: {"exists": b}, st.booleans()),
)
patterns = st.recursive(
    st.lists(alternatives, min_size=1, max_size=3),
    lambda inner: st.dictionaries(st.sampled_from(KEYS), inner, min_size=1, max_size=3),
    max_leaves=5,
).filter(lambda tree: isinstance(tree, dict))

# No example database (the work tree is shared) and no "explain" phase: explaining a failure imports
# libcst, whose DeprecationWarning the project's filterwarnings=error turns into an internal error.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
QUICK = settings(deadline=None, database=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])


@settings(QUICK, max_examples=250)
@given(pattern=patterns, event=events)
def test_matches_pattern_agrees_with_reference(pattern: dict[str, Any], event: dict[str, Any]) -> None:
    expected = reference_match(pattern, event)
    assert matches_pattern(pattern, event) is expected
    assert matches_pattern(json.dumps(pattern), json.dumps(event)) is expected


@settings(QUICK, max_examples=150)
@given(rules=st.lists(patterns, min_size=1, max_size=6), event=events)
def test_ruleset_agrees_with_reference(rules: list[dict[str, Any]], event: dict[str, Any]) -> None:
    ruleset = RuleSet()
    for i, pattern in enumerate(rules):
        ruleset.add(f"rule{i}", pattern)
    expected = {f"rule{i}" for i, pattern in enumerate(rules) if reference_match(pattern, event)}
    assert ruleset.matching(event) == expected


@settings(QUICK, max_examples=80)
@given(rules=st.lists(patterns, min_size=2, max_size=5), event=events, data=st.data())
def test_ruleset_after_removals_agrees_with_reference(
    rules: list[dict[str, Any]], event: dict[str, Any], data: st.DataObject
) -> None:
    ruleset = RuleSet()
    for i, pattern in enumerate(rules):
        ruleset.add(f"rule{i}", pattern)
    ruleset.matching(event)  # build the index, then change the rules
    removed = data.draw(st.sets(st.integers(0, len(rules) - 1)))
    for i in removed:
        ruleset.remove(f"rule{i}")
    expected = {f"rule{i}" for i, p in enumerate(rules) if i not in removed and reference_match(p, event)}
    assert ruleset.matching(event) == expected


@settings(QUICK, max_examples=200)
@given(
    event=st.fixed_dictionaries(
        {
            "a": st.lists(
                st.fixed_dictionaries({}, optional={"b": scalars, "c": scalars, "d": st.lists(scalars, max_size=2)}),
                max_size=4,
            )
        }
    ),
    pattern=st.fixed_dictionaries(
        {},
        optional={
            "b": st.lists(alternatives, min_size=1, max_size=2),
            "c": st.lists(alternatives, min_size=1, max_size=2),
            "d": st.lists(alternatives, min_size=1, max_size=2),
        },
    ).filter(bool),
)
def test_arrays_of_objects_agree_with_reference(event: dict[str, Any], pattern: dict[str, Any]) -> None:
    """Dense coverage of the same-element rule: every field of the pattern lives inside array ``a``."""
    wrapped = {"a": pattern}
    expected = reference_match(wrapped, event)
    assert matches_pattern(wrapped, event) is expected
    ruleset = RuleSet()
    ruleset.add("r", wrapped)
    assert ruleset.matching(event) == ({"r"} if expected else set())


@settings(QUICK, max_examples=300)
@given(
    event=st.dictionaries(st.sampled_from(KEYS), scalars | st.lists(scalars, max_size=3), max_size=3),
    pattern=st.dictionaries(st.sampled_from(KEYS), st.lists(alternatives, min_size=1, max_size=3), min_size=1),
)
def test_flat_fields_agree_with_reference(event: dict[str, Any], pattern: dict[str, Any]) -> None:
    """Dense coverage of the operators themselves: top-level fields, so paths line up often."""
    expected = reference_match(pattern, event)
    assert matches_pattern(pattern, event) is expected
    ruleset = RuleSet()
    ruleset.add("r", pattern)
    assert ruleset.matching(event) == ({"r"} if expected else set())
