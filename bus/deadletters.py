"""Dead letters: parcels a target could not take, with why, kept until inspected and redriven.

Fields follow EventBridge's dead-letter message attributes: RULE_ARN (here the target: a rule or an edge),
TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION (absent when no retry could have helped) and
RETRY_ATTEMPTS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bus.envelope import Envelope
    from ports import Arrival

# Error codes the bus itself decides; a handler exception's code is its class name.
INVALID_EVENT = "InvalidEvent"
CONTRACT_VIOLATION = "ContractViolation"


@dataclass(frozen=True)
class DeadLetter:
    """One parcel a target could not take, with the reason; `target` and `service` are None for an event
    rejected at publish (it never reached a target).

    `attempts` counts delivery attempts (0 when rejected at publish); RETRY_ATTEMPTS is `retry_attempts`.
    """

    id: str
    target: str | None
    service: str | None
    parcel: Envelope | Arrival = field(repr=False)
    error_code: str
    error_message: str
    exhausted_condition: str | None
    attempts: int
    at: datetime

    @property
    def retry_attempts(self) -> int:
        return max(self.attempts - 1, 0)
