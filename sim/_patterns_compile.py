"""Validate an EventBridge event pattern and compile it into ``$or``-expanded branches of conditions.

Error reasons follow the wording of aws/event-ruler (the engine behind EventBridge), so a pattern that
EventBridge rejects fails here with the same ``Event pattern is not valid. Reason: ...`` text.
"""

from __future__ import annotations

import ipaddress
import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, NoReturn, TypeAlias

from sim._patterns_model import (
    FALSE,
    NULL,
    NUMBER_TYPES,
    TRUE,
    Condition,
    Number,
    Predicate,
    Value,
    canonical_number,
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
_ANYTHING_BUT_SET_OPS: Final = ("equals-ignore-case", "prefix", "suffix", "wildcard")
# Same shapes event-ruler accepts as IP literals; anything else is a hostname and never an address.
_IPV4_RE: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6_RE: Final = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_MASK_RE: Final = re.compile(r"[+-]?[0-9]+")

Branch: TypeAlias = tuple[Condition, ...]


class InvalidPatternError(ValueError):
    """A pattern EventBridge would reject; ``reason`` holds the text after ``Reason:``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Event pattern is not valid. Reason: {reason}")
        self.reason = reason


def _fail(reason: str) -> NoReturn:
    raise InvalidPatternError(reason)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads silently keeps the last of duplicate keys; EventBridge refuses a field given twice.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            _fail(f"Path `{key}` cannot be allowed multiple times")
        result[key] = value
    return result


def parse_pattern_text(text: str | bytes | bytearray) -> Any:
    """Parse pattern JSON keeping number spelling exact (floats as Decimal)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except InvalidPatternError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        _fail(f"Filter is not valid JSON: {exc}")


def compile_branches(pattern: str | bytes | bytearray | Mapping[str, Any]) -> list[Branch]:
    """Validate ``pattern`` and return its branches; the pattern matches when any branch does."""
    parsed = parse_pattern_text(pattern) if isinstance(pattern, str | bytes | bytearray) else pattern
    if not isinstance(parsed, Mapping):
        _fail("Filter is not an object")
    return _object(parsed, (), in_or=False)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _object(obj: Mapping[Any, Any], prefix: tuple[str, ...], *, in_or: bool) -> list[Branch]:
    if not obj:
        _fail("Empty objects are not allowed")
    branches: list[Branch] = [()]
    for key, value in obj.items():
        if not isinstance(key, str):
            _fail(f"Field names must be strings, got {key!r} in `{_dotted(prefix) or '<root>'}`")
        if key == OR_KEYWORD:
            alternatives = _or(value, prefix)
        else:
            if in_or and key in _RESERVED_IN_OR:
                _fail(f"{key} is Ruler reserved fieldName which cannot be used inside {OR_KEYWORD}.")
            path = (*prefix, key)
            if isinstance(value, Mapping):
                alternatives = _object(value, path, in_or=in_or)
            elif isinstance(value, list | tuple):
                alternatives = [(_condition(path, value),)]
            else:
                _fail(f'"{key}" must be an object or an array')
        branches = _product(branches, alternatives)
    return branches


def _or(value: Any, prefix: tuple[str, ...]) -> list[Branch]:
    if not isinstance(value, list | tuple):
        _fail(f"It must be an Array followed with {OR_KEYWORD}.")
    branches: list[Branch] = []
    for item in value:
        if not isinstance(item, Mapping):
            _fail(f"Only JSON object is allowed in array of {OR_KEYWORD} relationship.")
        branches.extend(_object(item, prefix, in_or=True))
        _check_combinations(len(branches))
    if len(value) < 2:
        _fail(f"There must have at least 2 Objects in {OR_KEYWORD} relationship.")
    return branches


def _check_combinations(count: int) -> None:
    if count > MAX_COMBINATIONS:
        _fail(
            f"The {OR_KEYWORD} expressions expand to {count} combinations or more; "
            f"at most {MAX_COMBINATIONS} are allowed"
        )


def _product(left: list[Branch], right: list[Branch]) -> list[Branch]:
    _check_combinations(len(left) * len(right))
    merged: list[Branch] = []
    for a in left:
        seen = {condition.path for condition in a}
        for b in right:
            for condition in b:
                if condition.path in seen:
                    _fail(f"Path `{_dotted(condition.path)}` cannot be allowed multiple times")
            merged.append(a + b)
    return merged


def _is_number(value: object) -> bool:
    if type(value) in NUMBER_TYPES or (isinstance(value, int | Decimal | float) and not isinstance(value, bool)):
        return not isinstance(value, float | Decimal) or math.isfinite(value)
    return False


def _token_text(value: object) -> str:
    """How the JSON parser would print a token, for messages that quote one."""
    if value is _END:
        return "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "{"
    if isinstance(value, list | tuple):
        return "["
    return str(value)


_END: Final = object()  # stands for the end of an array when a message quotes "the next token"


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
        )


def _condition(path: tuple[str, ...], items: Sequence[Any]) -> Condition:
    if not items:
        _fail("Empty arrays are not allowed")
    alternatives = _Alternatives()
    for item in items:
        if isinstance(item, str):
            alternatives.exact.add(item)
        elif isinstance(item, bool):
            alternatives.exact.add(TRUE if item else FALSE)
        elif item is None:
            alternatives.exact.add(NULL)
        elif _is_number(item):
            alternatives.exact.add(canonical_number(item))
        elif isinstance(item, Mapping):
            _expression(item, alternatives)
        else:
            _fail("Match value must be String, number, true, false, or null")
    return alternatives.build(path)


def _single_key(expression: Mapping[str, Any], message: str = "Only one key allowed in match expression") -> None:
    if len(expression) > 1:
        _fail(message)


def _expression(expression: Mapping[str, Any], into: _Alternatives) -> None:
    if not expression:
        _fail("Match expression name not found")
    name, value = next(iter(expression.items()))
    if name == "exactly":
        if not isinstance(value, str):
            _fail("exact match pattern must be a string")
        into.exact.add(value)
    elif name in ("prefix", "suffix"):
        if isinstance(value, Mapping):
            lowered = _nested_ignore_case(name, value).lower()
            (into.prefixes_ic if name == "prefix" else into.suffixes_ic).append(lowered)
        elif isinstance(value, str):
            (into.prefixes if name == "prefix" else into.suffixes).append(value)
        else:
            _fail(f"{name} match pattern must be a string")
    elif name == "equals-ignore-case":
        if not isinstance(value, str):
            _fail("equals-ignore-case match pattern must be a string")
        into.equals_ic.add(value.lower())
    elif name == "wildcard":
        if not isinstance(value, str):
            _fail("wildcard match pattern must be a string")
        _add_wildcard(value, into)
    elif name == "numeric":
        _numeric(value, into)
        _single_key(expression, "Too many elements in numeric expression")
    elif name == "anything-but":
        into.predicates.append(_anything_but(value))
        _single_key(expression, "Too many elements in numeric expression")
    elif name == "exists":
        if not isinstance(value, bool):
            _fail("exists match pattern must be either true or false.")
        if value:
            into.exists = True
        else:
            into.absent_ok = True
    elif name == "cidr":
        if not isinstance(value, str):
            _fail("cidr match pattern must be a string")
        into.predicates.append(_cidr(value))
    else:
        _fail(f"Unrecognized match type {name}")
    _single_key(expression)


def _nested_ignore_case(name: str, value: Mapping[str, Any]) -> str:
    """The ``{"equals-ignore-case": "x"}`` object nested in prefix or suffix."""
    if not value:
        _fail(f"{name.capitalize()} expression name not found")
    inner_name, inner = next(iter(value.items()))
    if inner_name != "equals-ignore-case":
        _fail(f"Unsupported {name} pattern: {inner_name}")
    if not isinstance(inner, str):
        _fail("equals-ignore-case match pattern must be a string")
    _single_key(value)
    return inner


# --- wildcard ---------------------------------------------------------------------------------------


def _byte_pos(text: str, index: int) -> int:
    # event-ruler reports UTF-8 byte offsets within the quoted value, so the opening quote counts.
    return len(text[:index].encode("utf-8")) + 1


def wildcard_segments(text: str) -> list[str]:
    """Split a wildcard pattern on its unescaped ``*``; ``\\*`` and ``\\\\`` are literal."""
    segments: list[str] = []
    current: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "*":
            if i + 1 < n and text[i + 1] == "*":
                _fail(f"Consecutive wildcard characters at pos {_byte_pos(text, i)}")
            segments.append("".join(current))
            current = []
        elif char == "\\":
            if i + 1 < n and text[i + 1] in "*\\":
                current.append(text[i + 1])
                i += 2
                continue
            _fail(f"Invalid escape character at pos {_byte_pos(text, i)}")
        else:
            current.append(char)
        i += 1
    segments.append("".join(current))
    return segments


def glob_matcher(segments: Sequence[str]) -> Callable[[str], bool]:
    """Match a string against literal segments separated by ``*`` (which may match nothing).

    Leftmost search for each middle segment is enough for ``*``-only globs and, unlike a regular
    expression with several ``.*``, cannot backtrack exponentially on hostile input.
    """
    if len(segments) == 1:
        only = segments[0]
        return only.__eq__
    first, last, middle = segments[0], segments[-1], tuple(segments[1:-1])
    minimum = sum(len(segment) for segment in segments)

    def match(text: str) -> bool:
        if len(text) < minimum or not text.startswith(first) or not text.endswith(last):
            return False
        position, end = len(first), len(text) - len(last)
        for segment in middle:
            found = text.find(segment, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True

    return match


def _add_wildcard(text: str, into: _Alternatives) -> None:
    segments = wildcard_segments(text)
    # Plain, prefix-only and suffix-only shapes go to the hash-indexable alternatives.
    if len(segments) == 1:
        into.exact.add(segments[0])
    elif len(segments) == 2 and not segments[1]:
        into.prefixes.append(segments[0])
    elif len(segments) == 2 and not segments[0]:
        into.suffixes.append(segments[1])
    else:
        match = glob_matcher(segments)

        def test(value: Any) -> bool:
            return type(value) is str and match(value)

        into.predicates.append(Predicate("wildcard", ("wildcard", tuple(segments)), test))


# --- numeric ----------------------------------------------------------------------------------------


def _need_number(value: Any, operator: str) -> Number:
    if not _is_number(value):
        _fail(f"Value of {operator} must be numeric")
    return canonical_number(value)


def _numeric(spec: Any, into: _Alternatives) -> None:
    if not isinstance(spec, list | tuple):
        _fail("Value of numeric must be an array.")
    items = list(spec)

    def token(i: int) -> Any:
        return items[i] if i < len(items) else _END

    operator = token(0)
    if not isinstance(operator, str):
        _fail(f"Invalid member in numeric match: {_token_text(operator)}")
    if operator == "=":
        number = _need_number(token(1), "equals")
        if len(items) > 2:
            _fail("Too many elements in numeric expression")
        into.exact.add(number)  # numbers only ever equal numbers, so "=" is an exact alternative
        return
    low: Number | None = None
    high: Number | None = None
    low_open = high_open = False
    if operator in (">", ">="):
        low, low_open = _need_number(token(1), operator), operator == ">"
        if len(items) > 2:
            upper = items[2]
            if not isinstance(upper, str):
                _fail(f"Bad value in numeric range: {_token_text(upper)}")
            if upper not in ("<", "<="):
                _fail(f"Bad numeric range operator: {upper}")
            high, high_open = _need_number(token(3), upper), upper == "<"
            if len(items) > 4:
                _fail("Too many terms in numeric range expression")
            if not low < high:
                _fail("Bottom must be less than top")
    elif operator in ("<", "<="):
        high, high_open = _need_number(token(1), operator), operator == "<"
        if len(items) > 2:
            _fail("Too many elements in numeric expression")
    else:
        _fail(f"Unrecognized numeric range operator: {operator}")
    key = ("numeric", low, low_open, high, high_open)
    into.predicates.append(Predicate("numeric", key, _range_test(low, low_open, high, high_open)))


def _range_test(low: Number | None, low_open: bool, high: Number | None, high_open: bool) -> Callable[[Any], bool]:
    numbers = NUMBER_TYPES
    above = operator.gt if low_open else operator.ge
    below = operator.lt if high_open else operator.le
    if low is None:
        return lambda value: type(value) in numbers and below(value, high)
    if high is None:
        return lambda value: type(value) in numbers and above(value, low)
    return lambda value: type(value) in numbers and above(value, low) and below(value, high)


# --- anything-but -----------------------------------------------------------------------------------


def _anything_but(spec: Any) -> Predicate:
    if isinstance(spec, Mapping):
        return _anything_but_set(spec)
    if isinstance(spec, list | tuple):
        if any(not isinstance(item, str) and not _is_number(item) for item in spec):
            _fail("Inside anything but list, start|null|boolean is not supported.")
        has_string = any(isinstance(item, str) for item in spec)
        if has_string == any(_is_number(item) for item in spec):
            _fail("Inside anything but list, either all values are number or string, mixed type is not supported")
        values = spec
    elif isinstance(spec, str) or _is_number(spec):
        values = [spec]
    else:
        _fail("Value of anything-but must be an array or single string/number value.")
    excluded = frozenset(item if isinstance(item, str) else canonical_number(item) for item in values)

    # A string is never equal to a number (nor null/true/false to either), so "not in" is the whole rule.
    def test(value: Any) -> bool:
        return value not in excluded

    return Predicate("anything-but", ("anything-but", excluded), test)


def _anything_but_set(spec: Mapping[str, Any]) -> Predicate:
    if not spec:
        _fail("Anything-But expression name not found")
    operator, inner = next(iter(spec.items()))
    if operator not in _ANYTHING_BUT_SET_OPS:
        _fail(f"Unsupported anything-but pattern: {operator}")
    if isinstance(inner, list | tuple):
        items = list(inner)
    elif isinstance(inner, str) or _is_number(inner):
        items = [inner]
    else:
        _fail("Value of anything-but must be an array or single string/number value.")
    for item in items:
        if not isinstance(item, str):
            if operator == "equals-ignore-case":
                _fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
            _fail(f"{'wildcard' if operator == 'wildcard' else 'prefix/suffix'} match pattern must be a string")
        if operator in ("prefix", "suffix") and not item:
            _fail("Null prefix/suffix not allowed")
    _single_key(spec, "Too many elements in numeric expression")
    strings: tuple[str, ...] = tuple(dict.fromkeys(items))
    # Anything-but forms on strings hold for every non-string value (numbers, null, booleans).
    if operator == "prefix":

        def test(value: Any) -> bool:
            return type(value) is not str or not value.startswith(strings)

    elif operator == "suffix":

        def test(value: Any) -> bool:
            return type(value) is not str or not value.endswith(strings)

    elif operator == "equals-ignore-case":
        lowered = frozenset(item.lower() for item in strings)

        def test(value: Any) -> bool:
            return type(value) is not str or value.lower() not in lowered

    else:
        matchers = [glob_matcher(wildcard_segments(item)) for item in strings]

        def test(value: Any) -> bool:
            return type(value) is not str or not any(match(value) for match in matchers)

    return Predicate("anything-but", ("anything-but", operator, strings), test)


# --- cidr -------------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def parse_ip(text: str) -> tuple[int, int] | None:
    """(IP version, address as int) for an IPv4/IPv6 literal, else None. Cached: events repeat addresses."""
    try:
        if _IPV4_RE.fullmatch(text):
            return 4, int(ipaddress.IPv4Address(text))
        if _IPV6_RE.fullmatch(text):
            return 6, int(ipaddress.IPv6Address(text))
    except ValueError:
        return None
    return None


def _cidr(text: str) -> Predicate:
    parts = text.split("/")
    while len(parts) > 1 and not parts[-1]:  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        _fail("Malformed CIDR, one '/' required")
    address, mask = parts
    if not _MASK_RE.fullmatch(mask) or not -(2**31) <= int(mask) < 2**31:
        _fail("Malformed CIDR, mask bits must be an integer")
    bits = int(mask)
    if bits < 0:
        _fail("Malformed CIDR, mask bits must not be negative")
    if not (_IPV4_RE.fullmatch(address) or _IPV6_RE.fullmatch(address)):
        _fail(f"Nonstandard IP address: {address}")
    parsed = parse_ip(address)
    if parsed is None:
        _fail(f"Invalid IP address: {address}")
    version, base = parsed
    width = 32 if version == 4 else 128
    if bits >= width:
        _fail(f"IPv{version} mask bits must be < {width}")
    # event-ruler ranges from the address as written (host bits kept) up to the end of the block.
    low, high = base, base | ((1 << (width - bits)) - 1)

    def test(value: Any) -> bool:
        if type(value) is not str:
            return False
        ip = parse_ip(value)
        return ip is not None and ip[0] == version and low <= ip[1] <= high

    return Predicate("cidr", ("cidr", version, low, high), test)
