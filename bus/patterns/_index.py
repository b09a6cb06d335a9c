"""Index the branches of many patterns so one event is matched against all of them at once.

Every branch (an ``$or``-expanded alternative of a rule) owns one bit. For each field path the index
keeps, per alternative, the bitmask of branches that accept it: exact values in a dict, prefixes and
suffixes in dicts bucketed by length, lower-cased forms for the ignore-case operators, numeric ranges
as masks over the intervals between their sorted bounds, ``anything-but`` lists as "all but those
excluding this value". Matching an event ORs the masks its leaf values hit into a per-path
"satisfied" mask; a branch fails when it has a condition on a path that is unsatisfied (or absent and
required). Cost therefore grows with the paths and values in the event, not with the number of rules:
1,000-bit integer operations are a few machine words each.

Branches whose conditions pick leaves from the same array are then checked exactly, since leaves of
different elements may not be combined.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias, cast

from bus.patterns._compile import Branch
from bus.patterns._eval import Chains, Step, Trie, Values, build_trie, consistent_match, flatten
from bus.patterns._model import NUMBER_TYPES, Condition, Number, Predicate, Value
from bus.patterns._operators import in_numeric_limit

_Buckets: TypeAlias = tuple[tuple[int, dict[str, int]], ...]
_Range: TypeAlias = tuple[Number | None, bool, Number | None, bool]


def _or_into(table: dict[Any, int], key: Any, bit: int) -> None:
    table[key] = table.get(key, 0) | bit


def _bits(mask: int) -> Iterable[int]:
    """Positions of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class _NumericRanges:
    """Numeric range predicates on one path, answered by one bisect.

    The distinct bounds b0 < b1 < ... split the number line into regions: (-inf, b0), [b0], (b0, b1),
    [b1], ... Each region stores the mask of branches whose ranges cover it.
    """

    def __init__(self, ranges: Sequence[tuple[_Range, int]]) -> None:
        bounds = sorted({bound for (low, _, high, _), _ in ranges for bound in (low, high) if bound is not None})
        position = {bound: i for i, bound in enumerate(bounds)}
        regions = 2 * len(bounds) + 1
        starts: list[list[int]] = [[] for _ in range(regions + 1)]
        stops: list[list[int]] = [[] for _ in range(regions + 1)]
        for (low, low_open, high, high_open), bit in ranges:
            first = 0 if low is None else 2 * position[low] + (2 if low_open else 1)
            last = regions - 1 if high is None else 2 * position[high] + (0 if high_open else 1)
            if first <= last:
                starts[first].append(bit)
                stops[last + 1].append(bit)
        # Sweep the regions keeping a count per branch: one branch may list overlapping ranges.
        active: Counter[int] = Counter()
        mask = 0
        self.masks: list[int] = []
        for region in range(regions):
            for bit in stops[region]:
                active[bit] -= 1
                if not active[bit]:
                    mask &= ~bit
            for bit in starts[region]:
                active[bit] += 1
                mask |= bit
            self.masks.append(mask)
        self.bounds = bounds

    def lookup(self, number: Any) -> int:
        if number != number or not in_numeric_limit(number):  # NaN and huge numbers are in no range
            return 0
        bounds = self.bounds
        i = bisect_left(bounds, number)
        return self.masks[2 * i + 1 if i < len(bounds) and bounds[i] == number else 2 * i]


class _PathTable:
    """Which branches each leaf value found on one path satisfies."""

    def __init__(self) -> None:
        self.has = 0  # branches with a condition on this path
        self.need = 0  # ... whose condition requires a leaf here (no exists: false)
        self.absent_capable = 0  # ... whose condition also holds when the path has no leaf
        self.exists = 0
        self.exact: dict[Value, int] = {}
        self.equals_ic: dict[str, int] = {}
        self.excluded_all = 0  # branches with one anything-but list here ...
        self.excluded: dict[Value, int] = {}  # ... and, per value, those that exclude it
        self._buckets: dict[str, dict[int, dict[str, int]]] = defaultdict(dict)
        self._ranges: list[tuple[_Range, int]] = []
        self._scans: dict[Hashable, tuple[Callable[[Value], bool], int]] = {}
        self.prefix: _Buckets = ()
        self.suffix: _Buckets = ()
        self.prefix_ic: _Buckets = ()
        self.suffix_ic: _Buckets = ()
        self.numeric: _NumericRanges | None = None
        self.scans: tuple[tuple[Callable[[Value], bool], int], ...] = ()
        self.strings = self.lowered = False
        # Mask of the branches whose condition on this path some of the values satisfies.
        self.satisfied: Callable[[list[Value]], int] = self._satisfied_any

    def add(self, condition: Condition, bit: int) -> None:
        self.has |= bit
        if condition.absent_ok:
            self.absent_capable |= bit
        else:
            self.need |= bit
        if condition.exists:
            self.exists |= bit
        for value in condition.exact:
            _or_into(self.exact, value, bit)
        for text in condition.equals_ic:
            _or_into(self.equals_ic, text, bit)
        for kind, texts in (
            ("prefix", condition.prefixes),
            ("suffix", condition.suffixes),
            ("prefix_ic", condition.prefixes_ic),
            ("suffix_ic", condition.suffixes_ic),
        ):
            for text in texts:
                _or_into(self._buckets[kind].setdefault(len(text), {}), text, bit)
        lists = [p for p in condition.predicates if p.kind == "excluded"]
        for predicate in condition.predicates:
            if predicate.kind == "numeric":
                self._ranges.append((cast(_Range, predicate.key[1:]), bit))
            elif len(lists) == 1 and predicate is lists[0]:
                self._add_exclusions(predicate, bit)
            else:
                test, mask = self._scans.get(predicate.key, (predicate.test, 0))
                self._scans[predicate.key] = (test, mask | bit)

    def _add_exclusions(self, predicate: Predicate, bit: int) -> None:
        # Negation needs one list per branch: "v not in A or v not in B" is not "v not in A | B".
        self.excluded_all |= bit
        excluded = predicate.key[1]
        assert isinstance(excluded, frozenset)
        for value in excluded:
            _or_into(self.excluded, value, bit)

    def freeze(self) -> None:
        buckets = self._buckets
        self.prefix, self.suffix, self.prefix_ic, self.suffix_ic = (
            tuple(sorted(buckets[kind].items())) for kind in ("prefix", "suffix", "prefix_ic", "suffix_ic")
        )
        self.lowered = bool(self.equals_ic or self.prefix_ic or self.suffix_ic)
        self.strings = bool(self.prefix or self.suffix or self.lowered)
        self.numeric = _NumericRanges(self._ranges) if self._ranges else None
        self.scans = tuple(self._scans.values())
        if not (self.strings or self.numeric or self.excluded_all or self.scans):
            self.satisfied = self._satisfied_exact

    def _satisfied_any(self, values: list[Value]) -> int:
        satisfied = self.exists
        exact, numeric, excluded_all = self.exact, self.numeric, self.excluded_all
        for value in values:
            satisfied |= exact.get(value, 0)
            kind = type(value)
            if kind is str:
                if self.strings:
                    satisfied |= self._strings(value)
            elif numeric is not None and kind in NUMBER_TYPES:
                satisfied |= numeric.lookup(value)
            if excluded_all:
                satisfied |= excluded_all & ~self.excluded.get(value, 0)
        for test, mask in self.scans:
            if mask & ~satisfied:
                for value in values:
                    if test(value):
                        satisfied |= mask
                        break
        return satisfied

    def _satisfied_exact(self, values: list[Value]) -> int:
        """``satisfied`` for the common table holding only exact values (and exists)."""
        satisfied = self.exists
        exact = self.exact
        for value in values:
            satisfied |= exact.get(value, 0)
        return satisfied

    def _strings(self, value: Any) -> int:
        satisfied = 0
        # Slicing to each bucket's length turns prefix and suffix search into dict lookups.
        for length, table in self.prefix:
            satisfied |= table.get(value[:length], 0)
        for length, table in self.suffix:
            satisfied |= table.get(value[len(value) - length :], 0)
        if self.lowered:
            lowered = value.lower()
            satisfied |= self.equals_ic.get(lowered, 0)
            for length, table in self.prefix_ic:
                satisfied |= table.get(lowered[:length], 0)
            for length, table in self.suffix_ic:
                satisfied |= table.get(lowered[len(lowered) - length :], 0)
        return satisfied


class RuleIndex:
    """An immutable index over named patterns; RuleSet rebuilds it whenever its rules change."""

    def __init__(self, rules: Iterable[tuple[str, Sequence[Branch]]]) -> None:
        named = [(name, branch) for name, branches in rules for branch in branches]
        self._root: Trie
        self._root, path_ids = build_trie([c.path for _, branch in named for c in branch])
        tables = [_PathTable() for _ in path_ids]
        self._names = [name for name, _ in named]
        self._steps: list[tuple[Step, ...]] = []
        for branch_id, (_, branch) in enumerate(named):
            bit = 1 << branch_id
            for condition in branch:
                tables[path_ids[condition.path]].add(condition, bit)
            self._steps.append(tuple((path_ids[c.path], c) for c in branch))
        for table in tables:
            table.freeze()
        self._tables = tables
        self._required = [(pid, table.need) for pid, table in enumerate(tables) if table.need]
        self._all = (1 << len(named)) - 1

    def matching(self, event: Mapping[str, Any]) -> set[str]:
        values, chains = flatten(event, self._root)
        failed = maybe_absent = 0
        for pid, need in self._required:
            if pid not in values:
                failed |= need
        tables = self._tables
        for pid, found in values.items():
            table = tables[pid]
            unmet = table.has & ~table.satisfied(found)
            if unmet:
                if table.absent_capable and pid in chains:
                    # exists: false may still hold by taking other leaves from other array elements.
                    maybe_absent |= unmet & table.absent_capable
                    unmet &= ~table.absent_capable
                failed |= unmet
        matched = self._all & ~failed
        if matched and chains:
            matched = self._check_arrays(matched, maybe_absent, values, chains)
        names = self._names
        return {names[branch_id] for branch_id in _bits(matched)}

    def _check_arrays(self, matched: int, maybe_absent: int, values: Values, chains: Chains) -> int:
        """Drop branches whose leaves only match when combined across elements of one array."""
        # Leaves sharing any array share the outermost one, so group paths by that array.
        seen_under: dict[int, int] = {}
        twice = 0
        for pid, path_chains in chains.items():
            rooted = next((c for c in path_chains if c), None)  # `()`: a leaf outside arrays (a dotted key)
            if rooted is None:
                continue
            root = rooted[0][0]
            has = self._tables[pid].has
            seen = seen_under.get(root, 0)
            twice |= seen & has
            seen_under[root] = seen | has
        for branch_id in _bits((twice | maybe_absent) & matched):
            if not consistent_match(self._steps[branch_id], values, chains):
                matched &= ~(1 << branch_id)
        return matched
