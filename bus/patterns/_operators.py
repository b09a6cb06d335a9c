"""The value operators of EventBridge patterns: validating their arguments and building their tests.

Error reasons follow the wording of aws/event-ruler, the engine behind EventBridge.
"""

from __future__ import annotations

import ipaddress
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, NoReturn

from bus.patterns._model import NUMBER_TYPES, Number, Predicate, canonical_number

_ANYTHING_BUT_SET_OPS: Final = ("equals-ignore-case", "prefix", "suffix", "wildcard")
# Same shapes event-ruler accepts as IP literals; anything else is a hostname and never an address.
_IPV4_RE: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6_RE: Final = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_MASK_RE: Final = re.compile(r"[+-]?[0-9]+")


class InvalidPatternError(ValueError):
    """A pattern EventBridge would reject; ``reason`` holds the text after ``Reason:``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Event pattern is not valid. Reason: {reason}")
        self.reason = reason


def fail(reason: str) -> NoReturn:
    raise InvalidPatternError(reason)


_END: Final = object()  # stands for the end of an array when a message quotes "the next token"


def is_number(value: object) -> bool:
    """A JSON number: bool is an int subclass in Python but never a number here; NaN and inf are not JSON."""
    if type(value) in NUMBER_TYPES or (isinstance(value, int | Decimal | float) and not isinstance(value, bool)):
        return not isinstance(value, float | Decimal) or math.isfinite(value)
    return False


def token_text(value: object) -> str:
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


def single_key(expression: Mapping[str, Any], message: str = "Only one key allowed in match expression") -> None:
    if len(expression) > 1:
        fail(message)


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
                fail(f"Consecutive wildcard characters at pos {_byte_pos(text, i)}")
            segments.append("".join(current))
            current = []
        elif char == "\\":
            if i + 1 < n and text[i + 1] in "*\\":
                current.append(text[i + 1])
                i += 2
                continue
            fail(f"Invalid escape character at pos {_byte_pos(text, i)}")
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


def wildcard(text: str) -> tuple[str, str] | Predicate:
    """A wildcard alternative; plain, prefix-only and suffix-only shapes come back as
    ("exact" | "prefix" | "suffix", text) so that they can be hash-indexed."""
    segments = wildcard_segments(text)
    if len(segments) == 1:
        return "exact", segments[0]
    if len(segments) == 2 and not segments[1]:
        return "prefix", segments[0]
    if len(segments) == 2 and not segments[0]:
        return "suffix", segments[1]
    match = glob_matcher(segments)

    def test(value: Any) -> bool:
        return type(value) is str and match(value)

    return Predicate("wildcard", ("wildcard", tuple(segments)), test)


# --- numeric ----------------------------------------------------------------------------------------


# EventBridge compares numbers in -5.0e9..5.0e9 (six decimals): a bound outside it is an invalid pattern,
# and an event value outside it is in no numeric range.
NUMERIC_LIMIT: Final = 5e9


def in_numeric_limit(value: Number) -> bool:
    return -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT


def _need_number(value: Any, op: str) -> Number:
    if not is_number(value):
        fail(f"Value of {op} must be numeric")
    if not in_numeric_limit(value):
        fail("Value must be between -5.0E9 and 5.0E9, inclusive")
    return canonical_number(value)


def numeric(spec: Any) -> Number | Predicate:
    """A numeric alternative: a number for ``["=", n]`` (numbers only equal numbers, so it is an exact
    value), else a range predicate."""
    if not isinstance(spec, list | tuple):
        fail("Value of numeric must be an array.")
    items = list(spec)

    def token(i: int) -> Any:
        return items[i] if i < len(items) else _END

    op = token(0)
    if not isinstance(op, str):
        fail(f"Invalid member in numeric match: {token_text(op)}")
    if op == "=":
        number = _need_number(token(1), "equals")
        if len(items) > 2:
            fail("Too many elements in numeric expression")
        return number
    low: Number | None = None
    high: Number | None = None
    low_open = high_open = False
    if op in (">", ">="):
        low, low_open = _need_number(token(1), op), op == ">"
        if len(items) > 2:
            upper = items[2]
            if not isinstance(upper, str):
                fail(f"Bad value in numeric range: {token_text(upper)}")
            if upper not in ("<", "<="):
                fail(f"Bad numeric range operator: {upper}")
            high, high_open = _need_number(token(3), upper), upper == "<"
            if len(items) > 4:
                fail("Too many terms in numeric range expression")
            if not low < high:
                fail("Bottom must be less than top")
    elif op in ("<", "<="):
        high, high_open = _need_number(token(1), op), op == "<"
        if len(items) > 2:
            fail("Too many elements in numeric expression")
    else:
        fail(f"Unrecognized numeric range operator: {op}")
    key = ("numeric", low, low_open, high, high_open)
    return Predicate("numeric", key, _range_test(low, low_open, high, high_open))


def _range_test(low: Number | None, low_open: bool, high: Number | None, high_open: bool) -> Callable[[Any], bool]:
    numbers = NUMBER_TYPES
    bottom = -NUMERIC_LIMIT if low is None else low
    top = NUMERIC_LIMIT if high is None else high
    above = operator.gt if low is not None and low_open else operator.ge
    below = operator.lt if high is not None and high_open else operator.le
    return lambda value: type(value) in numbers and above(value, bottom) and below(value, top)


# --- anything-but -----------------------------------------------------------------------------------


def anything_but(spec: Any) -> Predicate:
    """An ``anything-but`` alternative: a value, a list of strings or of numbers, or an operator object."""
    if isinstance(spec, Mapping):
        return _anything_but_set(spec)
    if isinstance(spec, list | tuple):
        if any(not isinstance(item, str) and not is_number(item) for item in spec):
            fail("Inside anything but list, start|null|boolean is not supported.")
        has_string = any(isinstance(item, str) for item in spec)
        if has_string == any(is_number(item) for item in spec):
            fail("Inside anything but list, either all values are number or string, mixed type is not supported")
        values = spec
    elif isinstance(spec, str) or is_number(spec):
        values = [spec]
    else:
        fail("Value of anything-but must be an array or single string/number value.")
    excluded = frozenset(item if isinstance(item, str) else canonical_number(item) for item in values)

    # A string is never equal to a number (nor null/true/false to either), so "not in" is the whole rule.
    def test(value: Any) -> bool:
        return value not in excluded

    return Predicate("excluded", ("anything-but", excluded), test)


def _anything_but_set(spec: Mapping[str, Any]) -> Predicate:
    if not spec:
        fail("Anything-But expression name not found")
    op, inner = next(iter(spec.items()))
    if op not in _ANYTHING_BUT_SET_OPS:
        fail(f"Unsupported anything-but pattern: {op}")
    if isinstance(inner, list | tuple):
        items = list(inner)
    elif isinstance(inner, str) or is_number(inner):
        items = [inner]
    else:
        fail("Value of anything-but must be an array or single string/number value.")
    for item in items:
        if not isinstance(item, str):
            if op == "equals-ignore-case":
                fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
            fail(f"{'wildcard' if op == 'wildcard' else 'prefix/suffix'} match pattern must be a string")
        if op in ("prefix", "suffix") and not item:
            fail("Null prefix/suffix not allowed")
    single_key(spec, "Too many elements in numeric expression")
    strings: tuple[str, ...] = tuple(dict.fromkeys(items))
    # Anything-but forms on strings hold for every non-string value (numbers, null, booleans).
    if op == "prefix":

        def test(value: Any) -> bool:
            return type(value) is not str or not value.startswith(strings)

    elif op == "suffix":

        def test(value: Any) -> bool:
            return type(value) is not str or not value.endswith(strings)

    elif op == "equals-ignore-case":
        lowered = frozenset(item.lower() for item in strings)

        def test(value: Any) -> bool:
            return type(value) is not str or value.lower() not in lowered

    else:
        matchers = [glob_matcher(wildcard_segments(item)) for item in strings]

        def test(value: Any) -> bool:
            return type(value) is not str or not any(match(value) for match in matchers)

    return Predicate("anything-but", ("anything-but", op, strings), test)


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


def cidr(text: str) -> Predicate:
    """A ``cidr`` alternative: IPv4 or IPv6 string values within the block."""
    parts = text.split("/")
    while len(parts) > 1 and not parts[-1]:  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        fail("Malformed CIDR, one '/' required")
    address, mask = parts
    if not _MASK_RE.fullmatch(mask) or not -(2**31) <= int(mask) < 2**31:
        fail("Malformed CIDR, mask bits must be an integer")
    bits = int(mask)
    if bits < 0:
        fail("Malformed CIDR, mask bits must not be negative")
    if not (_IPV4_RE.fullmatch(address) or _IPV6_RE.fullmatch(address)):
        fail(f"Nonstandard IP address: {address}")
    parsed = parse_ip(address)
    if parsed is None:
        fail(f"Invalid IP address: {address}")
    version, base = parsed
    width = 32 if version == 4 else 128
    if bits >= width:
        fail(f"IPv{version} mask bits must be < {width}")
    # event-ruler ranges from the address as written (host bits kept) up to the end of the block.
    low, high = base, base | ((1 << (width - bits)) - 1)

    def test(value: Any) -> bool:
        if type(value) is not str:
            return False
        ip = parse_ip(value)
        return ip is not None and ip[0] == version and low <= ip[1] <= high

    return Predicate("cidr", ("cidr", version, low, high), test)
