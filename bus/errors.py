"""The kernel's errors, one class per thing that can be wrong, each naming what and with which value."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bus.envelope import Envelope


class ContractViolationError(ValueError):
    """Code disagrees with the spec about who sends or receives a message; names the service and messages."""

    def __init__(self, reason: str, *, service: str, messages: Collection[str] = ()) -> None:
        super().__init__(reason)
        self.service = service
        self.messages = tuple(messages)


class InvalidEventError(ValueError):
    """An event's detail breaks the spec; the message is the validator's (event, field path, reason)."""

    def __init__(self, reason: str, *, detail_type: str, envelope: Envelope) -> None:
        super().__init__(reason)
        self.detail_type = detail_type
        self.envelope = envelope


class RedriveError(ValueError):
    """A dead letter cannot be redriven: unknown id, already redriven, or rejected at publish (no target)."""


class NotQuietError(RuntimeError):
    """A bus still had work after the allowed number of deliveries (a handler loop, most likely)."""
