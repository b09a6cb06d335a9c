"""Leaf values and compiled field conditions shared by the pattern compiler and the matcher."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from typing import Final, TypeAlias


class JsonConstant:
    """JSON ``true``, ``false`` and ``null`` as distinct objects.

    Python's ``True == 1`` (with equal hashes) would let a pattern ``[1]`` match ``true`` and ``[false]``
    match ``0``; identity-hashed stand-ins keep the JSON constants apart from numbers in sets and dicts.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


TRUE: Final = JsonConstant("true")
FALSE: Final = JsonConstant("false")
NULL: Final = JsonConstant("null")

Number: TypeAlias = int | float | Decimal
# A flattened leaf: strings, numbers (int or Decimal; float only when not finite) and the constants above.
Value: TypeAlias = str | int | float | Decimal | JsonConstant
NUMBER_TYPES: Final = frozenset({int, float, Decimal})


def canonical_number(number: Number) -> Number:
    """Return a form of ``number`` equal (and hash-equal) to every other spelling of the same value.

    JSON text is parsed with ``Decimal`` so ``3.0e2`` stays exact; Python floats from a Mapping are turned
    into the Decimal of their shortest round-trip text so ``0.1`` equals a parsed ``0.1``.
    """
    if type(number) is float:
        return Decimal(repr(number)) if math.isfinite(number) else number
    if isinstance(number, Decimal) and not number.is_finite():
        # Decimal NaN raises on ordering comparisons; float NaN just compares false.
        return float("nan") if number.is_nan() else float(number)
    return number


class RulerPattern:
    """One alternative of a field as aws/event-ruler lists it, used to rebuild its rule machine.

    Equal ``kind`` and ``key`` mean event-ruler's ``Patterns`` compare equal, so rules that share them share
    the machine's next state. ``texts`` holds the wildcard strings of the ``wildcard`` and
    ``anything-but-wildcard`` kinds, the only kinds that add to a rule's complexity.
    """

    __slots__ = ("key", "kind", "texts")

    def __init__(self, kind: str, key: Hashable, texts: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.key = key
        self.texts = texts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RulerPattern) and self.kind == other.kind and self.key == other.key

    def __hash__(self) -> int:
        return hash((self.kind, self.key))

    def __repr__(self) -> str:
        return f"RulerPattern({self.kind!r}, {self.key!r})"


class Predicate:
    """An alternative that cannot be looked up in a hash table (numeric range, cidr, wildcard, anything-but)."""

    __slots__ = ("key", "kind", "test")

    def __init__(self, kind: str, key: tuple[object, ...], test: Callable[[Value], bool]) -> None:
        # "numeric", "excluded" (an anything-but list of values), "anything-but", "wildcard" or "cidr".
        self.kind = kind
        # Predicates with equal keys behave identically, so an index can evaluate a shared one once.
        self.key = key
        self.test = test


def _always(values: Sequence[Value]) -> bool:
    return True


class Condition:
    """What one field path of a pattern branch accepts: the OR of the alternatives listed for it."""

    __slots__ = (
        "_needs_lower",
        "_string_ops",
        "absent_ok",
        "check",
        "equals_ic",
        "exact",
        "exists",
        "path",
        "predicates",
        "prefixes",
        "prefixes_ic",
        "ruler_patterns",
        "suffixes",
        "suffixes_ic",
    )

    def __init__(
        self,
        path: tuple[str, ...],
        *,
        exact: frozenset[Value] = frozenset(),
        prefixes: tuple[str, ...] = (),
        suffixes: tuple[str, ...] = (),
        equals_ic: frozenset[str] = frozenset(),
        prefixes_ic: tuple[str, ...] = (),
        suffixes_ic: tuple[str, ...] = (),
        predicates: tuple[Predicate, ...] = (),
        exists: bool = False,
        absent_ok: bool = False,
        ruler_patterns: tuple[RulerPattern, ...] = (),
    ) -> None:
        self.path = path
        self.exact = exact
        self.prefixes = prefixes
        self.suffixes = suffixes
        # Case-insensitive alternatives are stored lower-cased and compared with the value lower-cased.
        self.equals_ic = equals_ic
        self.prefixes_ic = prefixes_ic
        self.suffixes_ic = suffixes_ic
        self.predicates = predicates
        self.exists = exists
        self.absent_ok = absent_ok
        # Matching ignores these; validation rebuilds event-ruler's machine from them to judge complexity.
        self.ruler_patterns = ruler_patterns
        self._needs_lower = bool(equals_ic or prefixes_ic or suffixes_ic)
        self._string_ops = bool(prefixes or suffixes or self._needs_lower)
        # The matcher calls ``check`` for every candidate rule, so the common shapes get a direct path.
        self.check: Callable[[Sequence[Value]], bool] = self._specialised_check()

    def _specialised_check(self) -> Callable[[Sequence[Value]], bool]:
        if self.exists:
            return _always
        if self._string_ops:
            return self.test
        if not self.predicates:
            exact = self.exact
            return lambda values: not exact.isdisjoint(values)
        if not self.exact and len(self.predicates) == 1:
            test = self.predicates[0].test
            return lambda values: any(map(test, values))
        return self.test

    def test(self, values: Sequence[Value]) -> bool:
        """Whether any of ``values`` (the leaves found at the path) satisfies a positive alternative."""
        if self.exists:
            return True
        exact = self.exact
        if exact and not exact.isdisjoint(values):
            return True
        if self._string_ops:
            prefixes, suffixes = self.prefixes, self.suffixes
            for value in values:
                if type(value) is str:
                    if prefixes and value.startswith(prefixes):
                        return True
                    if suffixes and value.endswith(suffixes):
                        return True
                    if self._needs_lower:
                        lowered = value.lower()
                        if lowered in self.equals_ic:
                            return True
                        if self.prefixes_ic and lowered.startswith(self.prefixes_ic):
                            return True
                        if self.suffixes_ic and lowered.endswith(self.suffixes_ic):
                            return True
        for predicate in self.predicates:
            test = predicate.test
            for value in values:
                if test(value):
                    return True
        return False
