"""Index the branches of many patterns so one event is checked against few of them.

Counting every satisfied condition of every rule costs as much as the most popular conditions
(``source: aws.x`` shared by all rules). Instead each branch gets one *anchor*: its condition least
likely to hold, judged by how many branches share its alternatives. Anchors are looked up by path and
value (exact values, prefixes and suffixes bucketed by length, lower-cased forms); anchors that must be
evaluated (numeric ranges, anything-but, wildcard, cidr, exists) run once per distinct predicate. Only
branches whose anchor fires are checked in full, most selective condition first. A branch whose every
condition can be met by absence (``exists: false``) has no anchor and is checked for every event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias

from sim._patterns_compile import Branch
from sim._patterns_eval import Step, Trie, branch_matches, build_trie, flatten
from sim._patterns_model import Condition, Value

# How much of the rule set a predicate anchor is expected to wake up, as a fraction of all branches.
_PREDICATE_SPREAD: Final = {"numeric": 0.5, "cidr": 0.5, "wildcard": 0.25, "anything-but": 1.0}
_Buckets: TypeAlias = tuple[tuple[int, dict[str, list[int]]], ...]


def _alternative_keys(condition: Condition) -> list[Hashable]:
    keys: list[Hashable] = [("=", value) for value in condition.exact]
    keys += [("ic", text) for text in condition.equals_ic]
    keys += [("prefix", text) for text in condition.prefixes]
    keys += [("suffix", text) for text in condition.suffixes]
    keys += [("prefix-ic", text) for text in condition.prefixes_ic]
    keys += [("suffix-ic", text) for text in condition.suffixes_ic]
    keys += [predicate.key for predicate in condition.predicates]
    if condition.exists:
        keys.append(("exists",))
    return keys


def _score(condition: Condition, usage: Counter[tuple[tuple[str, ...], Hashable]], total: int) -> float:
    """Expected number of branches this condition would wake up as an anchor (lower is better)."""
    if not condition.has_positive:
        return float(total)
    path = condition.path
    score = 0.0
    for value in condition.exact:
        score += usage[path, ("=", value)]
    for text in condition.equals_ic:
        score += usage[path, ("ic", text)]
    for kind, texts in (
        ("prefix", condition.prefixes),
        ("suffix", condition.suffixes),
        ("prefix-ic", condition.prefixes_ic),
        ("suffix-ic", condition.suffixes_ic),
    ):
        for text in texts:
            score += 2 * usage[path, (kind, text)] + (0 if text else total)
    for predicate in condition.predicates:
        score += usage[path, predicate.key] + total * _PREDICATE_SPREAD[predicate.kind]
    if condition.exists:
        score += 2 * total
    return score


def _freeze_buckets(buckets: dict[int, dict[str, list[int]]]) -> _Buckets:
    return tuple(sorted(buckets.items()))


class _PathAnchors:
    """Anchors on one path: which branches wake up for a leaf value found there."""

    __slots__ = (
        "_buckets",
        "_scans",
        "equals_ic",
        "exact",
        "exists",
        "lowered",
        "prefix",
        "prefix_ic",
        "scans",
        "strings",
        "suffix",
        "suffix_ic",
    )

    def __init__(self) -> None:
        self.exact: dict[Value, list[int]] = {}
        self.equals_ic: dict[str, list[int]] = {}
        self._buckets: dict[str, dict[int, dict[str, list[int]]]] = {
            "prefix": {},
            "suffix": {},
            "prefix_ic": {},
            "suffix_ic": {},
        }
        self._scans: dict[Hashable, tuple[Callable[[Value], bool], list[int]]] = {}
        self.exists: list[int] = []
        # Filled by freeze(): the tables above in the shape collect() iterates fastest.
        self.prefix: _Buckets = ()
        self.suffix: _Buckets = ()
        self.prefix_ic: _Buckets = ()
        self.suffix_ic: _Buckets = ()
        self.scans: tuple[tuple[Callable[[Value], bool], list[int]], ...] = ()
        self.lowered = self.strings = False

    def add(self, condition: Condition, branch_id: int) -> None:
        for value in condition.exact:
            self.exact.setdefault(value, []).append(branch_id)
        for text in condition.equals_ic:
            self.equals_ic.setdefault(text, []).append(branch_id)
        for kind, texts in (
            ("prefix", condition.prefixes),
            ("suffix", condition.suffixes),
            ("prefix_ic", condition.prefixes_ic),
            ("suffix_ic", condition.suffixes_ic),
        ):
            for text in texts:
                self._buckets[kind].setdefault(len(text), {}).setdefault(text, []).append(branch_id)
        for predicate in condition.predicates:
            self._scans.setdefault(predicate.key, (predicate.test, []))[1].append(branch_id)
        if condition.exists:
            self.exists.append(branch_id)

    def freeze(self) -> None:
        self.prefix = _freeze_buckets(self._buckets["prefix"])
        self.suffix = _freeze_buckets(self._buckets["suffix"])
        self.prefix_ic = _freeze_buckets(self._buckets["prefix_ic"])
        self.suffix_ic = _freeze_buckets(self._buckets["suffix_ic"])
        self.lowered = bool(self.equals_ic or self.prefix_ic or self.suffix_ic)
        self.strings = bool(self.prefix or self.suffix or self.lowered)
        self.scans = tuple(self._scans.values())

    def collect(self, values: list[Value], out: set[int]) -> None:
        exact = self.exact
        for value in values:
            hit = exact.get(value)
            if hit is not None:
                out.update(hit)
            if self.strings and type(value) is str:
                # Slicing to each bucket's length turns prefix/suffix search into dict lookups.
                for length, table in self.prefix:
                    hit = table.get(value[:length])
                    if hit is not None:
                        out.update(hit)
                for length, table in self.suffix:
                    hit = table.get(value[len(value) - length :])
                    if hit is not None:
                        out.update(hit)
                if self.lowered:
                    lowered = value.lower()
                    hit = self.equals_ic.get(lowered)
                    if hit is not None:
                        out.update(hit)
                    for length, table in self.prefix_ic:
                        hit = table.get(lowered[:length])
                        if hit is not None:
                            out.update(hit)
                    for length, table in self.suffix_ic:
                        hit = table.get(lowered[len(lowered) - length :])
                        if hit is not None:
                            out.update(hit)
        for test, branch_ids in self.scans:
            for value in values:
                if test(value):
                    out.update(branch_ids)
                    break
        if self.exists:
            out.update(self.exists)


class RuleIndex:
    """An immutable index over named patterns; rebuilt by RuleSet whenever its rules change."""

    def __init__(self, rules: Iterable[tuple[str, Sequence[Branch]]]) -> None:
        named = [(name, branch) for name, branches in rules for branch in branches]
        self._root: Trie
        self._root, path_ids = build_trie([c.path for _, branch in named for c in branch])
        usage: Counter[tuple[tuple[str, ...], Hashable]] = Counter(
            (c.path, key) for _, branch in named for c in branch for key in set(_alternative_keys(c))
        )
        total = len(named) + 1
        anchors: dict[int, _PathAnchors] = {}
        always: list[int] = []
        self._branches: list[tuple[str, tuple[Step, ...], tuple[Step, ...]]] = []
        for branch_id, (name, branch) in enumerate(named):
            ordered = sorted(branch, key=lambda c: _score(c, usage, total))
            steps = tuple((path_ids[c.path], c) for c in ordered)
            anchor = next((c for c in ordered if not c.absent_ok), None)
            if anchor is None:
                always.append(branch_id)
                self._branches.append((name, steps, steps))
                continue
            anchor_pid = path_ids[anchor.path]
            anchors.setdefault(anchor_pid, _PathAnchors()).add(anchor, branch_id)
            rest = tuple(step for step in steps if step[1] is not anchor)
            self._branches.append((name, steps, rest))
        for table in anchors.values():
            table.freeze()
        self._anchors = anchors
        self._always = frozenset(always)

    def matching(self, event: Mapping[str, Any]) -> set[str]:
        values, chains = flatten(event, self._root)
        candidates = set(self._always)
        anchors = self._anchors
        for pid, found in values.items():
            table = anchors.get(pid)
            if table is not None:
                table.collect(found, candidates)
        matched: set[str] = set()
        branches = self._branches
        for branch_id in candidates:
            name, steps, unchecked = branches[branch_id]
            if name not in matched and branch_matches(steps, unchecked, values, chains):
                matched.add(name)
        return matched
