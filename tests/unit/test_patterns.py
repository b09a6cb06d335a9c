"""Table tests for bus.patterns: one block of match / no-match / invalid cases per operator."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from bus.patterns import (
    InvalidPatternError,
    RuleSet,
    UnreadableEventError,
    compile_pattern,
    matches_pattern,
    validate_pattern,
)

# (pattern, event, expected) per operator. Every case also runs through JSON text and a RuleSet.
MATCH_CASES: dict[str, list[tuple[Any, Any, bool]]] = {
    "exact": [
        ({"source": ["aws.ec2"]}, {"source": "aws.ec2"}, True),
        ({"source": ["aws.ec2"]}, {"source": "aws.ec2x"}, False),
        ({"source": ["aws.ec2"]}, {}, False),
        ({"source": ["a", "b"]}, {"source": "b"}, True),  # a value list is an OR
        ({"d": {"state": ["on"]}}, {"d": {"state": "on", "other": 1}}, True),
        ({"d": {"state": ["on"]}, "s": ["x"]}, {"d": {"state": "on"}, "s": "y"}, False),  # fields are AND
        ({"x": ["on"]}, {"x": {"on": 1}}, False),  # an object is not a leaf value
        ({"x": {"y": ["on"]}}, {"x": "on"}, False),
        ({"x": [""]}, {"x": ""}, True),
        ({"x": [""]}, {"x": None}, False),  # empty string and null are different
        ({"x": [None]}, {"x": None}, True),
        ({"x": [None]}, {}, False),
        ({"x": ["null"]}, {"x": None}, False),
        ({"x": [True]}, {"x": True}, True),
        ({"x": [True]}, {"x": "true"}, False),
        ({"x": [False]}, {"x": 0}, False),  # JSON booleans are not numbers
        ({"x": [1]}, {"x": True}, False),
        ({"x": [0]}, {"x": False}, False),
        ({"x": [300]}, {"x": 300.0}, True),  # numbers compare by value
        ({"x": [300]}, {"x": Decimal("3e2")}, True),
        ({"x": [3.0e2]}, {"x": 300}, True),
        ({"x": [0.1]}, {"x": 0.1}, True),
        ({"x": ["5"]}, {"x": 5}, False),  # strings never equal numbers
        ({"x": [5]}, {"x": "5"}, False),
        ({"x": [12345678901234567890]}, {"x": 12345678901234567890}, True),
        ({"x": [12345678901234567890]}, {"x": 12345678901234567891}, False),
        ({"r": ["b"]}, {"r": ["a", "b"]}, True),  # any array element may match
        ({"r": ["c"]}, {"r": ["a", "b"]}, False),
        ({"r": [3]}, {"r": [[1, 2], [3]]}, True),  # arrays of arrays flatten too
        ({"r": ["a"]}, {"r": []}, False),
        ({"a": {"b": ["x"]}}, {"a": [{"b": "y"}, {"b": "x"}]}, True),  # path through an array of objects
        ({"a": {"b": {"c": [1]}}}, {"a": [{"b": [{"c": 2}, {"c": 1}]}]}, True),
        ({"a": {"b": ["x"]}, "c": ["y"]}, {"a": [{"b": "x"}], "c": ["z", "y"]}, True),  # different arrays
        ({"exactly": ["x"]}, {"exactly": "x"}, True),  # operator names are fine as field names outside $or
        ({"x": [{"exactly": "a"}]}, {"x": "a"}, True),
    ],
    "array-consistency": [
        ({"a": {"b": [1], "c": [2]}}, {"a": [{"b": 1, "c": 3}, {"b": 4, "c": 2}]}, False),
        ({"a": {"b": [1], "c": [2]}}, {"a": [{"b": 1, "c": 3}, {"b": 1, "c": 2}]}, True),
        ({"a": {"b": [1], "c": [{"prefix": "x"}]}}, {"a": [{"b": 1, "c": "y"}, {"b": 2, "c": "xy"}]}, False),
        ({"a": {"b": [1], "c": {"d": [2]}}}, {"a": [{"b": 1, "c": [{"d": 3}]}, {"b": 9, "c": {"d": 2}}]}, False),
        ({"a": {"b": [1], "c": {"d": [2]}}}, {"a": [{"b": 1, "c": [{"d": 3}, {"d": 2}]}]}, True),
        ({"a": {"b": {"c": [1], "d": [2]}}}, {"a": [{"b": [{"c": 1}, {"d": 2}]}]}, False),  # inner array too
        ({"a": {"b": {"c": [1]}, "e": [5]}}, {"a": [{"b": [{"c": 1}], "e": 5}, {"b": [], "e": 6}]}, True),
        ({"a": {"b": [1], "c": [{"exists": False}]}}, {"a": [{"b": 1}, {"b": 2, "c": 3}]}, True),
        ({"a": {"b": [1], "c": [{"exists": False}]}}, {"a": [{"b": 1, "c": 3}, {"b": 2}]}, False),
        ({"a": {"c": [{"exists": False}]}}, {"a": [{"b": 1}, {"b": 2, "c": 3}]}, False),  # c exists somewhere
        ({"a": {"b": [1], "c": [{"exists": True}]}}, {"a": [{"b": 1}, {"c": 3}]}, False),
        ({"a": {"b": [1], "c": ["z", {"exists": False}]}}, {"a": [{"b": 1, "c": "q"}, {"b": 1}]}, True),
        ({"a": {"b": [1], "c": [{"anything-but": "q"}]}}, {"a": [{"b": 1, "c": "q"}, {"b": 2, "c": "r"}]}, False),
    ],
    "prefix": [
        ({"t": [{"prefix": "2017-10-02"}]}, {"t": "2017-10-02T18:43:48Z"}, True),
        ({"t": [{"prefix": "2017-10-02"}]}, {"t": "2017-10-03"}, False),
        ({"t": [{"prefix": "1"}]}, {"t": 123}, False),  # strings only
        ({"t": [{"prefix": ""}]}, {"t": "anything"}, True),
        ({"t": [{"prefix": ""}]}, {"t": None}, False),
        ({"t": [{"prefix": "ab"}]}, {"t": "a"}, False),
        ({"t": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"t": "eventbridge"}, True),
        ({"t": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"t": "EVENTBRIDGE"}, True),
        ({"t": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"t": "event"}, False),
    ],
    "suffix": [
        ({"f": [{"suffix": ".png"}]}, {"f": "image.png"}, True),
        ({"f": [{"suffix": ".png"}]}, {"f": "image.PNG"}, False),
        ({"f": [{"suffix": "5"}]}, {"f": 5}, False),
        ({"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "image.PNG"}, True),
        ({"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "image.jpg"}, False),
    ],
    "equals-ignore-case": [
        ({"n": [{"equals-ignore-case": "alice"}]}, {"n": "ALICE"}, True),
        ({"n": [{"equals-ignore-case": "alice"}]}, {"n": "alicia"}, False),
        ({"n": [{"equals-ignore-case": "true"}]}, {"n": True}, False),
    ],
    "wildcard": [
        ({"p": [{"wildcard": "dir/*.png"}]}, {"p": "dir/a/b.png"}, True),
        ({"p": [{"wildcard": "dir/*.png"}]}, {"p": "dir/a.jpg"}, False),
        ({"p": [{"wildcard": "a*b*c"}]}, {"p": "abc"}, True),  # * matches an empty run
        ({"p": [{"wildcard": "a*b*c"}]}, {"p": "aXbYc"}, True),
        ({"p": [{"wildcard": "a*b*c"}]}, {"p": "acb"}, False),
        ({"p": [{"wildcard": "*"}]}, {"p": ""}, True),
        ({"p": [{"wildcard": "*"}]}, {"p": 5}, False),
        ({"p": [{"wildcard": "a\\*b"}]}, {"p": "a*b"}, True),  # escaped star is literal
        ({"p": [{"wildcard": "a\\*b"}]}, {"p": "axb"}, False),
        ({"p": [{"wildcard": "a\\\\b"}]}, {"p": "a\\b"}, True),
        ({"p": [{"wildcard": "abc"}]}, {"p": "abc"}, True),
        ({"p": [{"wildcard": "*x*"}]}, {"p": "x"}, True),
        ({"p": [{"wildcard": "ab*ba"}]}, {"p": "aba"}, False),  # prefix and suffix may not overlap
        ({"p": [{"wildcard": "*a*a*a*b"}]}, {"p": "a" * 5000}, False),  # no catastrophic backtracking
    ],
    "anything-but": [
        ({"s": [{"anything-but": "init"}]}, {"s": "running"}, True),
        ({"s": [{"anything-but": "init"}]}, {"s": "init"}, False),
        ({"s": [{"anything-but": "init"}]}, {}, False),  # never matches a missing field
        ({"s": [{"anything-but": "init"}]}, {"s": None}, True),  # but does match null
        ({"s": [{"anything-but": "init"}]}, {"s": []}, False),
        ({"s": [{"anything-but": "init"}]}, {"s": ["init", "x"]}, True),
        ({"s": [{"anything-but": "init"}]}, {"s": ["init"]}, False),
        ({"s": [{"anything-but": ["a", "b"]}]}, {"s": "b"}, False),
        ({"s": [{"anything-but": ["a", "b"]}]}, {"s": "c"}, True),
        ({"s": [{"anything-but": ["5"]}]}, {"s": 5}, True),
        ({"n": [{"anything-but": 123}]}, {"n": 123.0}, False),
        ({"n": [{"anything-but": [100, 200]}]}, {"n": 2e2}, False),
        ({"n": [{"anything-but": [100, 200]}]}, {"n": 150}, True),
        ({"n": [{"anything-but": [100, 200]}]}, {"n": "100"}, True),  # a string is anything but numbers
        ({"n": [{"anything-but": [1]}]}, {"n": True}, True),
        ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "initializing"}, False),
        ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "running"}, True),
        ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": 5}, True),
        ({"s": [{"anything-but": {"prefix": ["a", "b"]}}]}, {"s": "bee"}, False),
        ({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.png"}, False),
        ({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.jpg"}, True),
        ({"s": [{"anything-but": {"equals-ignore-case": "Init"}}]}, {"s": "INIT"}, False),
        ({"s": [{"anything-but": {"equals-ignore-case": ["a", "B"]}}]}, {"s": "b"}, False),
        ({"s": [{"anything-but": {"equals-ignore-case": ["a", "B"]}}]}, {"s": "c"}, True),
        ({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "x/lib/y"}, False),
        ({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "x/src/y"}, True),
        ({"p": [{"anything-but": {"wildcard": ["*.a", "*.b"]}}]}, {"p": "f.b"}, False),
        ({"s": [{"anything-but": "a"}, {"anything-but": "b"}]}, {"s": "a"}, True),  # OR of two negations
    ],
    "numeric": [
        ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5}, True),
        # EventBridge compares numbers within -5.0e9..5.0e9; a value beyond is in no numeric range
        ({"c": [{"numeric": [">", 0]}]}, {"c": 5e9}, True),
        ({"c": [{"numeric": [">", 0]}]}, {"c": 1e10}, False),
        ({"c": [{"numeric": ["<", 0]}]}, {"c": -6e9}, False),
        ({"c": [{"numeric": [">=", -5e9, "<=", 5e9]}]}, {"c": -5e9}, True),
        ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 0}, False),
        ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5.000001}, False),
        ({"c": [{"numeric": [">=", 0, "<", 5]}]}, {"c": 0}, True),
        ({"c": [{"numeric": ["<", 10]}]}, {"c": -1e9}, True),
        ({"c": [{"numeric": ["<=", 10]}]}, {"c": 10}, True),
        ({"c": [{"numeric": [">", 10]}]}, {"c": 10}, False),
        ({"c": [{"numeric": ["=", 3.018e2]}]}, {"c": 301.8}, True),
        ({"c": [{"numeric": ["=", 300]}]}, {"c": Decimal("3.0e2")}, True),
        ({"c": [{"numeric": [">", 0]}]}, {"c": "5"}, False),  # numbers only
        ({"c": [{"numeric": [">", 0]}]}, {"c": True}, False),
        ({"c": [{"numeric": [">", 0]}]}, {"c": None}, False),
        ({"c": [{"numeric": [">", 0]}]}, {"c": [-1, 3]}, True),
        ({"c": [{"numeric": [">", 0]}, {"numeric": ["<", -10]}]}, {"c": -11}, True),
        ({"c": [{"numeric": [">", 0]}]}, {"c": float("nan")}, False),
    ],
    "exists": [
        ({"c": [{"exists": True}]}, {"c": 1}, True),
        ({"c": [{"exists": True}]}, {"c": None}, True),
        ({"c": [{"exists": True}]}, {}, False),
        ({"c": [{"exists": True}]}, {"c": {}}, False),  # empty object: no leaf
        ({"c": [{"exists": True}]}, {"c": []}, False),
        ({"c": [{"exists": True}]}, {"c": {"d": 1}}, False),  # exists only sees leaves
        ({"c": [{"exists": False}]}, {}, True),
        ({"c": [{"exists": False}]}, {"c": {}}, True),
        ({"c": [{"exists": False}]}, {"c": []}, True),
        ({"c": [{"exists": False}]}, {"c": None}, False),
        ({"d": {"c": [{"exists": False}]}}, {"d": {"c": {"c1": 100}}}, True),
        ({"d": {"c": [{"exists": False}]}}, {"x": 1}, True),
        ({"c": ["a", {"exists": False}]}, {}, True),
        ({"c": ["a", {"exists": False}]}, {"c": "b"}, False),
    ],
    "cidr": [
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"}, False),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "not an ip"}, False),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": 167772161}, False),
        ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": ["1.1.1.1", "10.9.9.9"]}, True),
        ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8::1"}, True),
        ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"}, False),
        ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "10.0.0.1"}, False),
        ({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.1"}, True),
    ],
    "$or": [
        ({"$or": [{"a": [1]}, {"b": [2]}]}, {"b": 2}, True),
        ({"$or": [{"a": [1]}, {"b": [2]}]}, {"a": 2, "b": 1}, False),
        ({"s": ["x"], "$or": [{"a": [1]}, {"b": [2]}]}, {"s": "x", "a": 1}, True),
        ({"s": ["x"], "$or": [{"a": [1]}, {"b": [2]}]}, {"s": "y", "a": 1}, False),
        ({"d": {"$or": [{"c": [{"numeric": [">", 5]}]}, {"e": [{"exists": False}]}]}}, {"d": {"e": 1}}, False),
        ({"d": {"$or": [{"c": [{"numeric": [">", 5]}]}, {"e": [{"exists": False}]}]}}, {"d": {"c": 1}}, True),
        ({"$or": [{"a": [1]}, {"$or": [{"b": [2]}, {"c": [3]}]}]}, {"c": 3}, True),
        ({"$or": [{"a": [1], "b": [2]}, {"c": [3]}]}, {"a": 1, "b": 3}, False),
    ],
}

FLAT_CASES = [(f"{op}-{i}", *case) for op, cases in MATCH_CASES.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize(("pattern", "event", "expected"), [c[1:] for c in FLAT_CASES], ids=[c[0] for c in FLAT_CASES])
def test_matches(pattern: Any, event: Any, expected: bool) -> None:
    assert matches_pattern(pattern, event) is expected
    rules = RuleSet()
    rules.add("r", pattern)
    rules.add("never", {"zz-unused": ["never"]})
    assert rules.matching(event) == ({"r"} if expected else set())


JSON_SAFE = [c for c in FLAT_CASES if "nan" not in repr(c) and "Decimal" not in repr(c)]


@pytest.mark.parametrize(("pattern", "event", "expected"), [c[1:] for c in JSON_SAFE], ids=[c[0] for c in JSON_SAFE])
def test_matches_json_text(pattern: Any, event: Any, expected: bool) -> None:
    assert matches_pattern(json.dumps(pattern), json.dumps(event)) is expected
    assert matches_pattern(json.dumps(pattern).encode(), json.dumps(event).encode()) is expected


@pytest.mark.parametrize(
    ("pattern_text", "event_text", "expected"),
    [
        ('{"x": [300]}', '{"x": 3.0e2}', True),
        ('{"x": [3.0e2]}', '{"x": 300}', True),
        ('{"x": [0.1]}', '{"x": 1e-1}', True),
        ('{"x": [300]}', '{"x": "3e2"}', False),
        ('{"x": [1]}', '{"x": true}', False),
        ('{"x": [false]}', '{"x": 0}', False),
        ('{"x": [{"numeric": [">", 1e9]}]}', '{"x": 1.5e9}', True),
        ('{"x": [{"anything-but": [1.50]}]}', '{"x": 1.5}', False),
        ('{"x": [123456789012345678901234567890]}', '{"x": 123456789012345678901234567890.0}', True),
    ],
)
def test_json_numbers_keep_their_value(pattern_text: str, event_text: str, expected: bool) -> None:
    assert matches_pattern(pattern_text, event_text) is expected


def _reason(pattern: Any) -> str:
    with pytest.raises(InvalidPatternError) as caught:
        validate_pattern(pattern)
    message = str(caught.value)
    prefix = "Event pattern is not valid. Reason: "
    assert message.startswith(prefix)
    assert caught.value.reason == message[len(prefix) :]
    return caught.value.reason


INVALID_CASES: list[tuple[Any, str]] = [
    # structure
    ("not json", "Filter is not valid JSON: "),
    ("[1]", "Filter is not an object"),
    ([{"a": [1]}], "Filter is not an object"),
    ({}, "Empty objects are not allowed"),
    ({"a": {}}, "Empty objects are not allowed"),
    ({"a": []}, "Empty arrays are not allowed"),
    ({"a": "x"}, '"a" must be an object or an array'),
    ({"a": 5}, '"a" must be an object or an array'),
    ({"a": {"b": None}}, '"b" must be an object or an array'),
    ({"a": [[1]]}, "Match value must be String, number, true, false, or null"),
    ({"a": [float("inf")]}, "Match value must be String, number, true, false, or null"),
    ({"a": [{}]}, "Match expression name not found"),
    ({"a": [{"foo": 1}]}, "Unrecognized match type foo"),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression"),
    ('{"a": [1], "a": [2]}', "Path `a` cannot be allowed multiple times"),
    ({1: ["x"]}, "Field names must be strings, got 1 in `<root>`"),
    # string operators
    ({"a": [{"prefix": 5}]}, "prefix match pattern must be a string"),
    ({"a": [{"suffix": None}]}, "suffix match pattern must be a string"),
    ({"a": [{"prefix": {}}]}, "Prefix expression name not found"),
    ({"a": [{"prefix": {"foo": "x"}}]}, "Unsupported prefix pattern: foo"),
    ({"a": [{"suffix": {"equals-ignore-case": 1}}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"equals-ignore-case": ["x"]}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"exactly": 1}]}, "exact match pattern must be a string"),
    # wildcard
    ({"a": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters at pos 2"),
    ({"a": [{"wildcard": "a\\b"}]}, "Invalid escape character at pos 2"),
    ({"a": [{"wildcard": "é**"}]}, "Consecutive wildcard characters at pos 3"),
    ({"a": [{"wildcard": 1}]}, "wildcard match pattern must be a string"),
    # anything-but
    ({"a": [{"anything-but": None}]}, "Value of anything-but must be an array or single string/number value."),
    ({"a": [{"anything-but": True}]}, "Value of anything-but must be an array or single string/number value."),
    ({"a": [{"anything-but": [None]}]}, "Inside anything but list, start|null|boolean is not supported."),
    ({"a": [{"anything-but": [True]}]}, "Inside anything but list, start|null|boolean is not supported."),
    (
        {"a": [{"anything-but": ["a", 1]}]},
        "Inside anything but list, either all values are number or string, mixed type",
    ),
    ({"a": [{"anything-but": []}]}, "Inside anything but list, either all values are number or string, mixed type"),
    ({"a": [{"anything-but": {}}]}, "Anything-But expression name not found"),
    ({"a": [{"anything-but": {"numeric": [">", 1]}}]}, "Unsupported anything-but pattern: numeric"),
    ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed"),
    ({"a": [{"anything-but": {"suffix": [1]}}]}, "prefix/suffix match pattern must be a string"),
    ({"a": [{"anything-but": {"equals-ignore-case": 1}}]}, "Inside anything-but/equals-ignore-case list"),
    ({"a": [{"anything-but": {"wildcard": [None]}}]}, "wildcard match pattern must be a string"),
    ({"a": [{"anything-but": {"wildcard": "**"}}]}, "Consecutive wildcard characters at pos 1"),
    ({"a": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}, "Too many elements in numeric expression"),
    ({"a": [{"anything-but": "a", "prefix": "b"}]}, "Too many elements in numeric expression"),
    # numeric
    ({"a": [{"numeric": ">"}]}, "Value of numeric must be an array."),
    ({"a": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"a": [{"numeric": [5]}]}, "Invalid member in numeric match: 5"),
    ({"a": [{"numeric": ["!=", 5]}]}, "Unrecognized numeric range operator: !="),
    ({"a": [{"numeric": [">"]}]}, "Value of > must be numeric"),
    ({"a": [{"numeric": [">", "5"]}]}, "Value of > must be numeric"),
    ({"a": [{"numeric": [">", True]}]}, "Value of > must be numeric"),
    ({"a": [{"numeric": ["=", "x"]}]}, "Value of equals must be numeric"),
    ({"a": [{"numeric": ["=", 1, "<", 2]}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": ["<", 1, ">", 0]}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": [">", 0, 5]}]}, "Bad value in numeric range: 5"),
    ({"a": [{"numeric": [">", 0, ">", 5]}]}, "Bad numeric range operator: >"),
    ({"a": [{"numeric": [">", 0, "<"]}]}, "Value of < must be numeric"),
    ({"a": [{"numeric": [">", 0, "<", 5, "x"]}]}, "Too many terms in numeric range expression"),
    ({"a": [{"numeric": [">", 5, "<", 5]}]}, "Bottom must be less than top"),
    ({"a": [{"numeric": [">=", 6, "<=", 5]}]}, "Bottom must be less than top"),
    ({"a": [{"numeric": [">", 1], "x": 1}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": [">", 1e10]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({"a": [{"numeric": [">", 0, "<", 5000000001]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({"a": [{"numeric": ["=", -6e9]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    # exists
    ({"a": [{"exists": "true"}]}, "exists match pattern must be either true or false."),
    ({"a": [{"exists": 1}]}, "exists match pattern must be either true or false."),
    ({"a": [{"exists": True, "x": 1}]}, "Only one key allowed in match expression"),
    # cidr
    ({"a": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required"),
    ({"a": [{"cidr": "10.0.0.0/"}]}, "Malformed CIDR, one '/' required"),
    ({"a": [{"cidr": "10.0.0.0/8/8"}]}, "Malformed CIDR, one '/' required"),
    ({"a": [{"cidr": "10.0.0.0/x"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"a": [{"cidr": "10.0.0.0/-1"}]}, "Malformed CIDR, mask bits must not be negative"),
    ({"a": [{"cidr": "example.com/8"}]}, "Nonstandard IP address: example.com"),
    ({"a": [{"cidr": "300.0.0.0/8"}]}, "Invalid IP address: 300.0.0.0"),
    ({"a": [{"cidr": "10.0.0.0/32"}]}, "IPv4 mask bits must be < 32"),
    ({"a": [{"cidr": "::/128"}]}, "IPv6 mask bits must be < 128"),
    ({"a": [{"cidr": 10}]}, "cidr match pattern must be a string"),
    # $or
    ({"$or": {"a": [1]}}, "It must be an Array followed with $or."),
    ({"$or": [{"a": [1]}]}, "There must have at least 2 Objects in $or relationship."),
    ({"$or": [{"a": [1]}, ["b"]]}, "Only JSON object is allowed in array of $or relationship."),
    ({"$or": [{"a": [1]}, {}]}, "Empty objects are not allowed"),
    ({"$or": [{"a": [1]}, {"prefix": ["x"]}]}, "prefix is Ruler reserved fieldName which cannot be used inside $or."),
    ({"$or": [{"a": [1]}, {"b": {"numeric": [1]}}]}, "numeric is Ruler reserved fieldName"),
    ({"a": [1], "$or": [{"a": [2]}, {"b": [3]}]}, "Path `a` cannot be allowed multiple times"),
]


@pytest.mark.parametrize(("pattern", "reason"), INVALID_CASES, ids=[f"invalid-{i}" for i in range(len(INVALID_CASES))])
def test_invalid_patterns(pattern: Any, reason: str) -> None:
    assert _reason(pattern).startswith(reason)
    with pytest.raises(InvalidPatternError):
        RuleSet().add("r", pattern)


def test_invalid_pattern_error_is_a_value_error() -> None:
    assert issubclass(InvalidPatternError, ValueError)
    with pytest.raises(ValueError, match=r"^Event pattern is not valid\. Reason: Empty arrays are not allowed$"):
        compile_pattern({"a": []})


def _or_of(branches: int) -> dict[str, Any]:
    return {"$or": [{f"f{i}": [i]} for i in range(branches)]}


def test_or_combinations_limit() -> None:
    ten, hundred = _or_of(10), _or_of(100)
    validate_pattern({"x": ten, "y": hundred})  # 10 * 100 = 1000 combinations is the maximum
    reason = _reason({"x": ten, "y": hundred, "z": _or_of(2)})
    assert "at most 1000" in reason
    assert "at most 1000" in _reason(_or_of(1001))


def test_compiled_pattern_exposes_branches_and_paths() -> None:
    compiled = compile_pattern({"s": ["x"], "$or": [{"a": [1]}, {"b": {"c": [2]}}]})
    assert len(compiled.branches) == 2
    assert compiled.paths == {("s",), ("a",), ("b", "c")}
    assert compile_pattern(compiled) is compiled


def test_events_must_be_objects() -> None:
    with pytest.raises(UnreadableEventError, match="not valid JSON"):
        matches_pattern({"a": [1]}, "{nope")
    with pytest.raises(UnreadableEventError, match="must be a JSON object"):
        matches_pattern({"a": [1]}, "[1]")
    with pytest.raises(UnreadableEventError):
        RuleSet().matching("NaN")


def test_mapping_events_accept_tuples_and_non_dict_mappings() -> None:
    class Frozen(dict[str, Any]):
        pass

    assert matches_pattern({"a": {"b": ["x"]}}, {"a": (Frozen(b="y"), Frozen(b="x"))})
    assert matches_pattern({"a": [2]}, {"a": ((1,), (2,))})


def test_ruleset_add_remove_and_matching() -> None:
    rules = RuleSet()
    rules.add("ec2", {"source": ["aws.ec2"]})
    rules.add("running", {"detail": {"state": ["running"]}})
    rules.add("not-init", {"detail": {"state": [{"anything-but": "initializing"}]}})
    event = {"source": "aws.ec2", "detail": {"state": "running"}}
    assert rules.matching(event) == {"ec2", "running", "not-init"}
    assert rules.matching(json.dumps(event)) == {"ec2", "running", "not-init"}
    assert len(rules) == 3
    assert "ec2" in rules
    assert set(rules) == {"ec2", "running", "not-init"}

    rules.remove("running")
    assert rules.matching(event) == {"ec2", "not-init"}
    rules.remove("running")  # removing an unknown rule is a no-op, like DeleteRule

    rules.add("ec2", {"source": ["aws.s3"]})  # same name replaces, like PutRule
    assert rules.matching(event) == {"not-init"}
    assert rules.get("ec2") is not None

    with pytest.raises(InvalidPatternError):
        rules.add("broken", {"source": []})
    assert "broken" not in rules
    assert rules.matching({"detail": {"state": "initializing"}}) == set()


def test_ruleset_multi_branch_rule_is_reported_once() -> None:
    rules = RuleSet()
    rules.add("either", {"$or": [{"a": [1]}, {"b": [2]}]})
    assert rules.matching({"a": 1, "b": 2}) == {"either"}


def test_ruleset_handles_shared_values_and_many_rules() -> None:
    rules = RuleSet()
    for i in range(300):
        rules.add(f"r{i}", {"source": ["s"], "detail": {"n": [{"numeric": [">=", i, "<", i + 10]}]}})
    rules.add("absent", {"detail": {"missing": [{"exists": False}]}})
    assert rules.matching({"source": "s", "detail": {"n": 15}}) == {f"r{i}" for i in range(6, 16)} | {"absent"}
    assert rules.matching({"source": "t", "detail": {"n": 15}}) == {"absent"}
    assert rules.matching({"source": "s", "detail": {"n": "15"}}) == {"absent"}


def test_ruleset_empty_matches_nothing() -> None:
    assert RuleSet().matching({"a": 1}) == set()


# --- dotted field names: AWS joins field paths with `.` ------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        # an event key with a dot is the nested path
        ({"shipment": {"state": ["sent"]}}, {"shipment.state": "sent"}, True),
        ({"shipment": {"state": ["sent"]}}, {"shipment.state": "held"}, False),
        # a pattern key with a dot matches nested objects
        ({"shipment.state": ["sent"]}, {"shipment": {"state": "sent"}}, True),
        ({"shipment.state": ["sent"]}, {"shipment.state": "sent"}, True),
        ({"a": {"b.c": [1]}}, {"a.b": {"c": 1}}, True),
        # a dotted key holding an object is not a leaf at that path
        ({"shipment.state": ["sent"]}, {"shipment.state": {"value": "sent"}}, False),
        ({"shipment": {"state": ["sent"]}}, {"shipment.state": {"value": "sent"}}, False),
        # both spellings in one event: each leaf counts
        ({"a": {"b": ["x"]}}, {"a": {"b": "y"}, "a.b": "x"}, True),
        ({"a": {"b": [{"exists": False}]}}, {"a.b": "x"}, False),
        ({"a": {"b": [{"anything-but": "x"}]}}, {"a": {"b": "x"}, "a.b": "y"}, True),
        # under arrays: the dotted leaf belongs to its element
        ({"items": {"k": ["a"], "v": [1]}}, {"items": [{"k": "a", "x.y": 0}, {"v": 1}]}, False),
        ({"items": {"k.z": ["a"], "v": [1]}}, {"items": [{"k.z": "a", "v": 1}]}, True),
        ({"items": {"k": {"z": ["a"]}, "v": [1]}}, {"items": [{"k.z": "a", "v": 2}, {"k.z": "b", "v": 1}]}, False),
        ({"a": {"b": ["x"]}}, {"a": [{"b": "y"}], "a.b": "x"}, True),
    ],
)
def test_field_paths_join_with_dots_as_aws_does(pattern: dict, event: dict, expected: bool) -> None:
    assert matches_pattern(pattern, event) is expected
    rules = RuleSet()
    rules.add("r", pattern)
    assert rules.matching(event) == ({"r"} if expected else set())
