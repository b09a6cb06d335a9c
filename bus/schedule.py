"""EventBridge schedule rate expressions: `rate(1 hour)`, `rate(5 minutes)`, `rate(1 day)`."""

from __future__ import annotations

import re
from datetime import timedelta

_RATE = re.compile(r"^rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)$")
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


class InvalidScheduleError(ValueError):
    """A schedule expression EventBridge would refuse; the message says why."""


def parse_rate(expression: str) -> timedelta:
    """The interval of a rate expression; a value of 1 takes a singular unit, any other value a plural one."""
    match = _RATE.match(expression)
    if match is None:
        raise InvalidScheduleError(
            f"invalid schedule expression {expression!r}: expected rate(value unit) with a positive whole "
            "value and unit minute|minutes|hour|hours|day|days, e.g. rate(1 hour) or rate(5 minutes)"
        )
    value = int(match["value"])
    unit = match["unit"]
    if value < 1:
        raise InvalidScheduleError(f"invalid schedule expression {expression!r}: the value must be positive")
    singular = unit.rstrip("s")
    if value == 1 and unit != singular:
        raise InvalidScheduleError(
            f"invalid schedule expression {expression!r}: a value of 1 takes the singular unit, rate(1 {singular})"
        )
    if value > 1 and unit == singular:
        raise InvalidScheduleError(
            f"invalid schedule expression {expression!r}: a value above 1 takes the plural unit, "
            f"rate({value} {singular}s)"
        )
    return _UNITS[singular] * value
