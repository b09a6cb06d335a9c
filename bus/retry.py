"""EventBridge's per-target retry policy, shared by the in-memory and the durable buses.

EventBridge retries a failed target call with exponential backoff and jitter until either
MaximumRetryAttempts retries were made or the event is older than MaximumEventAgeInSeconds; the condition
that ended it is the dead letter's EXHAUSTED_RETRY_CONDITION.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bus.deadletters import DeadLetter
from bus.delivery import Outcome, Parcel, Target

MAXIMUM_RETRY_ATTEMPTS = "MaximumRetryAttempts"
MAXIMUM_EVENT_AGE = "MaximumEventAgeInSeconds"

_MAX_RETRY_ATTEMPTS_LIMIT = 185
_MIN_EVENT_AGE = timedelta(seconds=60)
_MAX_EVENT_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class RetryStep:
    """What follows a failed attempt: a retry after `delay`, or the exhausted condition that ends it."""

    delay: timedelta | None
    exhausted: str | None


@dataclass(frozen=True)
class RetryPolicy:
    """A target's retry policy with EventBridge's limits and defaults (185 retries, 24 hours).

    `maximum_attempts` is EventBridge's MaximumRetryAttempts: retries after the first attempt (0 to 185),
    so a target is called at most `maximum_attempts + 1` times. `maximum_event_age` is
    MaximumEventAgeInSeconds (60 s to 24 h), measured from when the event was published.
    The n-th retry waits `min(max_delay, base_delay * 2**(n-1))`, half of it fixed and half random.
    """

    maximum_attempts: int = 185
    maximum_event_age: timedelta = timedelta(hours=24)
    base_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        if not 0 <= self.maximum_attempts <= _MAX_RETRY_ATTEMPTS_LIMIT:
            raise ValueError(
                f"maximum_attempts must be within 0..{_MAX_RETRY_ATTEMPTS_LIMIT}, got {self.maximum_attempts}"
            )
        if not _MIN_EVENT_AGE <= self.maximum_event_age <= _MAX_EVENT_AGE:
            raise ValueError(f"maximum_event_age must be within 60 s..24 h, got {self.maximum_event_age}")
        if self.base_delay <= timedelta(0) or self.max_delay < self.base_delay:
            raise ValueError(
                f"need 0 < base_delay <= max_delay, got base_delay={self.base_delay}, max_delay={self.max_delay}"
            )

    def next_delay(self, attempt: int, rng: random.Random) -> timedelta:
        """Wait before retry number `attempt` (1 for the retry after the first failure)."""
        if attempt < 1:
            raise ValueError(f"retry numbers start at 1, got {attempt}")
        ceiling = self.base_delay * (1 << min(attempt - 1, 40))
        step = min(self.max_delay, ceiling)
        return step / 2 + step / 2 * rng.random()

    def exhausted(self, attempts: int, age: timedelta) -> str | None:
        """The condition that forbids another try after `attempts` calls at event age `age`, if any."""
        if attempts > self.maximum_attempts:
            return MAXIMUM_RETRY_ATTEMPTS
        if age > self.maximum_event_age:
            return MAXIMUM_EVENT_AGE
        return None

    def after_failure(self, attempts: int, age: timedelta, rng: random.Random) -> RetryStep:
        """Decide what follows failed call number `attempts` at event age `age`.

        The age limit is checked at the time the retry would run, so an event never gets a retry that
        EventBridge would drop for being too old.
        """
        condition = self.exhausted(attempts, age)
        if condition is not None:
            return RetryStep(None, condition)
        delay = self.next_delay(attempts, rng)
        condition = self.exhausted(attempts, age + delay)
        if condition is not None:
            return RetryStep(None, condition)
        return RetryStep(delay, None)


def settle_failure(
    target: Target,
    parcel: Parcel,
    outcome: Outcome,
    *,
    attempts: int,
    since: datetime,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
    new_letter_id: Callable[[], str],
) -> datetime | DeadLetter:
    """After failed attempt number `attempts` of a parcel in flight since `since`: when to retry, or the dead
    letter (with the exhausted condition when retries ran out; none when no retry could help)."""
    condition = None
    if outcome.retryable:
        step = policy.after_failure(attempts, now - since, rng)
        if step.delay is not None:
            return now + step.delay
        condition = step.exhausted
    return DeadLetter(
        id=new_letter_id(),
        target=target.name,
        service=target.service,
        parcel=parcel,
        error_code=outcome.error_code,
        error_message=str(outcome.error),
        exhausted_condition=condition,
        attempts=attempts,
        at=now,
    )
