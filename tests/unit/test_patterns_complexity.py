"""Wildcard complexity: our scores equal aws/event-ruler's on recorded patterns, and validation applies the limit."""

from __future__ import annotations

from typing import Any

import pytest

from bus.patterns import InvalidPatternError, RuleSet, compile_pattern, validate_pattern
from bus.patterns._compile import expand_branches
from bus.patterns._complexity import MAX_COMPLEXITY, TOO_COMPLEX, wildcard_complexity
from tests.fixtures import eventruler_json

FIXTURE = eventruler_json("complexity.json")
CAP = FIXTURE["source"]["evaluator_cap"]
AWS_REFUSED = {"detail": {"arn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}}  # issue 16, scores 11


def score(pattern: Any, cap: int = CAP) -> int:
    return wildcard_complexity(expand_branches(pattern), cap)


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[case["name"] for case in FIXTURE["cases"]])
def test_named_patterns_score_as_in_event_ruler(case: dict[str, Any]) -> None:
    assert score(case["pattern"]) == case["complexity"]


def test_random_patterns_score_as_in_event_ruler() -> None:
    wrong = [(case["pattern"], case["complexity"], score(case["pattern"])) for case in FIXTURE["random"]]
    assert [row for row in wrong if row[1] != row[2]] == []
    assert len(wrong) == 600


@pytest.mark.parametrize("case", FIXTURE["known_deviations"])
def test_known_deviations_only_ever_score_higher(case: dict[str, Any]) -> None:
    # We share a next state where event-ruler's byte machine misses an equal value (README): never lower.
    assert score(case["pattern"]) > case["complexity"]


def test_the_score_is_capped() -> None:
    long_pattern = {"a": [{"wildcard": "F*e*a*t*u*r*e*" * 200}]}
    assert score(long_pattern, cap=100) == 100
    assert score(AWS_REFUSED, cap=5) == 5


@pytest.mark.parametrize(
    "pattern",
    [
        {"key": [{"wildcard": "*/datasync/*.bif"}, {"wildcard": "*/datasync/*.tif"}]},  # 8, accepted by AWS
        {"a": [{"wildcard": "F*eatureFeature"}, {"wildcard": "Fe*atureFeature"}, {"wildcard": "Fea*tureFeature"}]},
        {"a": [{"anything-but": {"wildcard": ["*a*a*a", "*a*a*b"]}}]},
        {"a": [{"exists": False}], "b": [{"wildcard": "*a*a*a*a*a*b"}]},  # behind exists:false: never scored
    ],
)
def test_patterns_within_the_limit_are_valid(pattern: Any) -> None:
    assert score(pattern) <= MAX_COMPLEXITY
    validate_pattern(pattern)


def test_the_limit_is_inclusive() -> None:
    at_limit = {"a": [{"anything-but": {"wildcard": ["*a*a*a", "*a*a*b"]}}]}
    assert score(at_limit) == MAX_COMPLEXITY == 10
    validate_pattern(at_limit)


@pytest.mark.parametrize(
    "pattern",
    [
        AWS_REFUSED,
        {"key": [{"wildcard": f"*/datasync/*.{ext}"} for ext in ("bif", "tiff", "tif", "svs")]},  # 16, refused by AWS
        {"a": [{"wildcard": "*a*a*a*a*a*b"}]},
        {"a": [{"anything-but": {"wildcard": ["*a*a*a*a", "*a*b*a"]}}]},
        {"$or": [{"a": [{"wildcard": "*x*x*x"}]}, {"a": [{"wildcard": "*x*y*x"}]}]},
    ],
)
def test_patterns_above_the_limit_are_refused_with_eventbridge_reason(pattern: Any) -> None:
    assert score(pattern) > MAX_COMPLEXITY
    with pytest.raises(InvalidPatternError) as raised:
        validate_pattern(pattern)
    assert raised.value.reason == TOO_COMPLEX
    assert str(raised.value) == (
        "Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard characters or fewer "
        "repeating character sequences after a wildcard character"
    )


def test_every_entry_point_refuses_a_too_complex_pattern() -> None:
    text = '{"detail": {"arn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}}'
    rules = RuleSet()
    for attempt in (lambda: compile_pattern(text), lambda: rules.add("r", text), lambda: validate_pattern(text)):
        with pytest.raises(InvalidPatternError, match="Rule is too complex"):
            attempt()
    assert "r" not in rules


def test_wildcard_free_branches_are_not_scored() -> None:
    # Only branches holding a wildcard go into event-ruler's machine, so exact values elsewhere add nothing.
    pattern = {"$or": [{"a": ["x", "y"]}, {"a": [{"wildcard": "*a*a*b"}]}]}
    assert score(pattern) == score({"a": [{"wildcard": "*a*a*b"}]})
