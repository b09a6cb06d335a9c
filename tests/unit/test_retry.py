"""RetryPolicy: EventBridge's limits, exponential backoff with jitter, and which condition ends retrying."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bus.retry import MAXIMUM_EVENT_AGE, MAXIMUM_RETRY_ATTEMPTS, RetryPolicy


def test_defaults_are_eventbridges() -> None:
    policy = RetryPolicy()
    assert (policy.maximum_attempts, policy.maximum_event_age) == (185, timedelta(hours=24))


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"maximum_attempts": 186}, "maximum_attempts must be within 0..185, got 186"),
        ({"maximum_attempts": -1}, "maximum_attempts must be within 0..185, got -1"),
        ({"maximum_event_age": timedelta(seconds=59)}, "maximum_event_age must be within 60 s..24 h"),
        ({"maximum_event_age": timedelta(hours=24, seconds=1)}, "maximum_event_age must be within 60 s..24 h"),
        ({"base_delay": timedelta(0)}, "need 0 < base_delay <= max_delay"),
        ({"base_delay": timedelta(minutes=2), "max_delay": timedelta(minutes=1)}, "need 0 < base_delay"),
    ],
)
def test_limits_outside_eventbridges_ranges_are_refused(options: dict[str, object], reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(".", r"\.")):
        RetryPolicy(**options)  # type: ignore[arg-type]


def test_delays_double_within_half_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=timedelta(seconds=2), max_delay=timedelta(seconds=30))
    rng = random.Random(7)
    for attempt, step in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (40, 30), (10_000, 30)]:
        for _ in range(50):
            delay = policy.next_delay(attempt, rng)
            assert timedelta(seconds=step) / 2 <= delay <= timedelta(seconds=step)


def test_jitter_varies_and_repeats_for_a_seed() -> None:
    policy = RetryPolicy()
    first = [policy.next_delay(3, random.Random(1)) for _ in range(2)]
    assert first[0] == first[1]
    draws = {policy.next_delay(3, random.Random(seed)) for seed in range(10)}
    assert len(draws) == 10
    with pytest.raises(ValueError, match="retry numbers start at 1, got 0"):
        policy.next_delay(0, random.Random(1))


def test_exhausted_names_the_condition_attempts_first() -> None:
    policy = RetryPolicy(maximum_attempts=2, maximum_event_age=timedelta(minutes=5))
    assert policy.exhausted(2, timedelta(minutes=5)) is None  # two calls made: one retry left
    assert policy.exhausted(3, timedelta(0)) == MAXIMUM_RETRY_ATTEMPTS
    assert policy.exhausted(1, timedelta(minutes=5, seconds=1)) == MAXIMUM_EVENT_AGE
    assert policy.exhausted(3, timedelta(hours=1)) == MAXIMUM_RETRY_ATTEMPTS
    assert RetryPolicy(maximum_attempts=0).exhausted(1, timedelta(0)) == MAXIMUM_RETRY_ATTEMPTS


def test_after_failure_refuses_a_retry_that_would_run_past_the_maximum_age() -> None:
    policy = RetryPolicy(maximum_event_age=timedelta(minutes=1), base_delay=timedelta(seconds=20))
    step = policy.after_failure(1, timedelta(seconds=30), random.Random(0))  # waits 10..20 s: still in time
    assert step.exhausted is None and step.delay is not None
    assert timedelta(seconds=10) <= step.delay <= timedelta(seconds=20)
    late = policy.after_failure(1, timedelta(seconds=55), random.Random(0))  # any wait ends past 60 s
    assert (late.delay, late.exhausted) == (None, MAXIMUM_EVENT_AGE)
    spent = RetryPolicy(maximum_attempts=1).after_failure(2, timedelta(0), random.Random(0))
    assert (spent.delay, spent.exhausted) == (None, MAXIMUM_RETRY_ATTEMPTS)
