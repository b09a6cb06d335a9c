"""Flatten an event to leaf values by field path and decide whether a pattern branch matches them.

Flattening visits only the paths some pattern uses (a trie of path segments), so a 4 KB webhook costs a
handful of dict lookups. Each leaf found under an array carries its *chain*: the (array id, element
index) pairs of the arrays above it, outermost first. Values picked from one array must share an
element; the chains make that checkable after flattening.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, NoReturn, TypeAlias

from bus.patterns._model import FALSE, NULL, TRUE, Condition, Value, canonical_number

Chain: TypeAlias = tuple[tuple[int, int], ...]
# Trie of used path segments: segment -> (path id, or -1 when no pattern stops here; child trie or None).
Trie: TypeAlias = dict[str, tuple[int, "Trie | None"]]
Values: TypeAlias = dict[int, list[Value]]
Chains: TypeAlias = dict[int, list[Chain]]
Step: TypeAlias = tuple[int, Condition]  # a condition with the id of its path in the trie

_MISSING: Final = object()


class UnreadableEventError(ValueError):
    """An event that is not a JSON object (or JSON text of one)."""


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def coerce_event(event: str | bytes | bytearray | Mapping[str, Any]) -> Mapping[str, Any]:
    """Parse JSON text (floats as Decimal so ``3.0e2`` stays exact) and insist on an object."""
    if type(event) is dict:  # the common case, without the slower ABC checks below
        return event
    if isinstance(event, str | bytes | bytearray):
        try:
            event = json.loads(event, parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UnreadableEventError(f"Event is not valid JSON: {exc}") from exc
    if not isinstance(event, Mapping):
        raise UnreadableEventError(f"Event must be a JSON object, got {type(event).__name__}")
    return event


def build_trie(paths: Sequence[tuple[str, ...]]) -> tuple[Trie, dict[tuple[str, ...], int]]:
    """Trie over ``paths`` plus the id given to each distinct path."""
    ids: dict[tuple[str, ...], int] = {}
    mutable: dict[str, Any] = {}
    for path in paths:
        if path in ids:
            continue
        ids[path] = len(ids)
        node = mutable
        for segment in path[:-1]:
            node = node.setdefault(segment, [-1, {}])[1]
        entry = node.setdefault(path[-1], [-1, {}])
        entry[0] = ids[path]

    def freeze(node: dict[str, Any]) -> Trie:
        return {key: (pid, freeze(children) if children else None) for key, (pid, children) in node.items()}

    return freeze(mutable), ids


def _leaf(value: Any) -> Any:
    """The flattened form of a scalar that is not a str or plain int, or _MISSING for containers."""
    if value is True:
        return TRUE
    if value is False:
        return FALSE
    if value is None:
        return NULL
    if isinstance(value, float | Decimal):
        return canonical_number(value)
    if isinstance(value, int):  # int subclasses such as IntEnum
        return int(value)
    if isinstance(value, str):
        return str(value)
    return _MISSING


def flatten(event: Mapping[str, Any], root: Trie) -> tuple[Values, Chains]:
    """Leaf values per used path id, and chains for the paths whose leaves sit under arrays.

    A path's leaves are either one value outside any array or all under arrays: every key of an
    object holds one value, so a path crosses an array for all of its leaves or for none.
    """
    values: Values = {}
    chains: Chains = {}
    _walk(event, root, values, chains, [0])
    return values, chains


def _walk(obj: Mapping[str, Any], node: Trie, values: Values, chains: Chains, counter: list[int]) -> None:
    get = obj.get
    for key, (pid, children) in node.items():
        value = get(key, _MISSING)
        if value is _MISSING:
            continue
        kind = type(value)
        if kind is str or kind is int:
            if pid >= 0:
                values[pid] = [value]
        elif kind is dict:
            if children:
                _walk(value, children, values, chains, counter)
        elif kind is list or kind is tuple:
            if value:
                _walk_array(value, pid, children, values, chains, counter, ())
        else:
            leaf = _leaf(value)
            if leaf is not _MISSING:
                if pid >= 0:
                    values[pid] = [leaf]
            elif isinstance(value, Mapping):
                if children:
                    _walk(value, children, values, chains, counter)
            elif isinstance(value, list | tuple) and value:
                _walk_array(value, pid, children, values, chains, counter, ())
    if _has_dotted_key(obj):
        _walk_dotted(obj, node, values, chains, counter, ())


def _has_dotted_key(obj: Mapping[str, Any]) -> bool:
    for key in obj:  # noqa: SIM110 - a plain loop: about twice as fast as any() over a generator here
        if "." in key:
            return True
    return False


def _walk_dotted(
    obj: Mapping[str, Any], node: Trie, values: Values, chains: Chains, counter: list[int], chain: Chain
) -> None:
    """Keys with dots: AWS joins field paths with `.`, so `{"a.b": 1}` is a leaf at path a.b, exactly as
    `{"a": {"b": 1}}` is (and both count when an event has both)."""
    for key, value in obj.items():
        if not isinstance(key, str) or "." not in key:
            continue
        *parents, last = key.split(".")
        current: Trie | None = node
        for segment in parents:
            entry = current.get(segment) if current else None
            current = entry[1] if entry else None
        found = current.get(last) if current else None
        if found is not None:
            pid, children = found
            _walk_chained({last: value}, {last: (pid, children)}, values, chains, counter, chain)


def _walk_array(
    items: Sequence[Any],
    pid: int,
    children: Trie | None,
    values: Values,
    chains: Chains,
    counter: list[int],
    chain: Chain,
) -> None:
    array_id = counter[0]
    counter[0] += 1
    for index, item in enumerate(items):
        link = (*chain, (array_id, index))
        kind = type(item)
        if kind is str or kind is int:
            if pid >= 0:
                _append(values, chains, pid, item, link)
        elif kind is dict:
            if children:
                _walk_chained(item, children, values, chains, counter, link)
        elif kind is list or kind is tuple:
            if item:
                _walk_array(item, pid, children, values, chains, counter, link)
        else:
            _other_chained(item, pid, children, values, chains, counter, link)


def _walk_chained(
    obj: Mapping[str, Any], node: Trie, values: Values, chains: Chains, counter: list[int], chain: Chain
) -> None:
    get = obj.get
    for key, (pid, children) in node.items():
        value = get(key, _MISSING)
        if value is _MISSING:
            continue
        kind = type(value)
        if kind is str or kind is int:
            if pid >= 0:
                _append(values, chains, pid, value, chain)
        elif kind is dict:
            if children:
                _walk_chained(value, children, values, chains, counter, chain)
        elif kind is list or kind is tuple:
            if value:
                _walk_array(value, pid, children, values, chains, counter, chain)
        else:
            _other_chained(value, pid, children, values, chains, counter, chain)
    if _has_dotted_key(obj):
        _walk_dotted(obj, node, values, chains, counter, chain)


def _other_chained(
    value: Any, pid: int, children: Trie | None, values: Values, chains: Chains, counter: list[int], chain: Chain
) -> None:
    """Leaves and containers of types other than str, int, dict, list and tuple, under an array."""
    leaf = _leaf(value)
    if leaf is not _MISSING:
        if pid >= 0:
            _append(values, chains, pid, leaf, chain)
    elif isinstance(value, Mapping):
        if children:
            _walk_chained(value, children, values, chains, counter, chain)
    elif isinstance(value, list) and value:
        _walk_array(value, pid, children, values, chains, counter, chain)


def _append(values: Values, chains: Chains, pid: int, leaf: Value, chain: Chain) -> None:
    found = values.get(pid)
    if found is None:
        values[pid] = [leaf]
        chains[pid] = [chain]
    else:
        found.append(leaf)
        # leaves found outside arrays first carry no chains: they are consistent with every choice (`()`)
        chains.setdefault(pid, [()] * (len(found) - 1)).append(chain)


def branch_matches(steps: Sequence[Step], unchecked: Sequence[Step], values: Values, chains: Chains) -> bool:
    """Whether a branch (all its ``steps``) matches; ``unchecked`` are the steps not yet known to hold.

    Each condition is first judged on its own, which settles most branches. Array consistency only
    matters when two conditions have leaves under the same outermost array (leaves sharing any array
    share the outermost one), or when ``exists: false`` might hold by hiding leaves in other elements.
    """
    for pid, condition in unchecked:
        found = values.get(pid)
        if found is None:
            if not condition.absent_ok:
                return False
        elif not condition.check(found):
            if condition.absent_ok and pid in chains:
                return consistent_match(steps, values, chains)
            return False
    if chains:
        roots: set[int] = set()
        for pid, _ in steps:
            path_chains = chains.get(pid)
            if path_chains is not None:
                rooted = next((c for c in path_chains if c), None)  # `()`: a leaf outside arrays
                if rooted is None:
                    continue
                root = rooted[0][0]
                if root in roots:
                    return consistent_match(steps, values, chains)
                roots.add(root)
    return True


class _ChainNode:
    """Leaves grouped by chain: ``arrays`` maps array id -> element index -> node below that element."""

    __slots__ = ("arrays", "items")

    def __init__(self) -> None:
        self.items: list[tuple[int, int]] = []
        self.arrays: dict[int, dict[int, _ChainNode]] = {}

    def add(self, chain: Chain, selectable: int, present: int) -> None:
        node = self
        for array_id, index in chain:
            elements = node.arrays.setdefault(array_id, {})
            child = elements.get(index)
            if child is None:
                child = elements[index] = _ChainNode()
            node = child
        node.items.append((selectable, present))

    def states(self) -> set[tuple[int, int]]:
        """Reachable (selected bits, present bits) for selections of leaves in this subtree.

        Selected bits: conditions satisfied by a chosen leaf. Present bits: ``exists: false`` conditions
        with a leaf consistent with the choice. Choosing leaves in one element of an array hides the
        other elements; choosing nothing under an array leaves all of it visible.
        """
        states = {(0, 0)}
        for selectable, present in self.items:
            options = {(0, present), (selectable, present)}
            states = {(s | a, p | b) for s, p in states for a, b in options}
        for elements in self.arrays.values():
            options = set()
            visible = 0
            for child in elements.values():
                for selected, present in child.states():
                    if selected:
                        options.add((selected, present))
                    else:
                        visible |= present
            options.add((0, visible))
            states = {(s | a, p | b) for s, p in states for a, b in options}
        return states


def consistent_match(steps: Sequence[Step], values: Values, chains: Chains) -> bool:
    """Exact check: is there a choice of one leaf per condition, all from the same array elements?

    ``exists: false`` holds when no leaf of its path is consistent with the chosen leaves.
    """
    leaves: list[tuple[Chain, int, int]] = []  # (chain, bit if it satisfies, bit if exists: false)
    required = absent_capable = 0
    shallow = True
    bit = 1
    for pid, condition in steps:
        found = values.get(pid)
        if found is None:
            if condition.absent_ok:
                continue
            return False
        path_chains = chains.get(pid)
        if path_chains is None:
            # A leaf outside arrays is consistent with every choice: it decides the condition alone.
            if condition.test(found):
                continue
            return False
        required |= bit
        present = bit if condition.absent_ok else 0
        absent_capable |= present
        satisfiable = condition.absent_ok
        for value, chain in zip(found, path_chains, strict=True):
            selectable = bit if condition.test((value,)) else 0
            if selectable or present:
                satisfiable = True
                leaves.append((chain, selectable, present))
                shallow = shallow and len(chain) == 1
        if not satisfiable:
            return False
        bit <<= 1
    if not required:
        return True
    if shallow and not absent_capable:
        return _one_element_each(leaves)
    root = _ChainNode()
    for chain, selectable, present in leaves:
        root.add(chain, selectable, present)
    return any((selected | (absent_capable & ~present)) & required == required for selected, present in root.states())


def _one_element_each(leaves: list[tuple[Chain, int, int]]) -> bool:
    """The common case, objects in one level of arrays: per array, one element satisfies its conditions."""
    by_element: dict[tuple[int, int], int] = {}
    by_array: dict[int, int] = {}
    for ((array_id, index),), selectable, _ in leaves:
        by_element[array_id, index] = by_element.get((array_id, index), 0) | selectable
        by_array[array_id] = by_array.get(array_id, 0) | selectable
    covered = {array_id for (array_id, _), mask in by_element.items() if mask == by_array[array_id]}
    return len(covered) == len(by_array)
