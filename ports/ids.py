"""How ids are spelled: `<prefix>_<lowercase base36>` (see `ports.Ids`)."""

from __future__ import annotations

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number: int) -> str:
    """Lowercase base-36 spelling of a non-negative integer."""
    if number < 0:
        raise ValueError(f"base36 needs a non-negative integer, got {number}")
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = _DIGITS[digit] + text
        if number == 0:
            return text
