"""Dead letters: events a target could not take, with why, kept until inspected and redriven.

Fields follow EventBridge's dead-letter message attributes: RULE_ARN, TARGET_ARN, ERROR_CODE,
ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION (absent when no retry could have helped) and RETRY_ATTEMPTS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Error codes the bus itself decides; a handler exception's code is its class name.
INVALID_EVENT = "InvalidEvent"
CONTRACT_VIOLATION = "ContractViolation"


@dataclass(frozen=True)
class DeadLetter:
    """One event a target could not take, with the reason; `rule` and target are None if rejected at publish.

    `attempts` counts delivery attempts (0 when rejected at publish); RETRY_ATTEMPTS is `retry_attempts`.
    """

    id: str
    rule: str | None
    target_service: str | None
    envelope: dict[str, Any] = field(repr=False)
    error_code: str
    error_message: str
    exhausted_condition: str | None
    attempts: int
    at: datetime

    @property
    def retry_attempts(self) -> int:
        return max(self.attempts - 1, 0)
