"""The doors into the system from outside the bus: what arrives through one, and how a service declares one.

A service declares its edges (GitHub's webhooks, the runtime's reports) next to its event handlers; every
backend checks an arrival at the door with `admit` (so a request that can never succeed is answered 400 at
once), keeps it, and delivers it to `handler` like any event: retried, dead-lettered, traced, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from events import Event

if TYPE_CHECKING:
    from ports import Ports


@dataclass(frozen=True)
class Arrival:
    """One thing that came through a door, as received."""

    door: str  # the edge's name: "webhook", "report"
    id: str  # unique per door: X-GitHub-Delivery, a report's idempotency key
    name: str  # what it says it is: X-GitHub-Event, the reported status
    body: bytes
    correlation_id: str
    received_at: datetime

    @property
    def key(self) -> str:
        """Its identity across doors (a webhook and a report may carry the same id)."""
        return f"{self.door}:{self.id}"

    @property
    def label(self) -> str:
        """How traces and dead letters name it: `webhook pull_request`, `report running`."""
        return f"{self.door} {self.name}"


@dataclass(frozen=True)
class Edge:
    """A door into a service: `admit` (pure; raises one of `rejections`, which the door answers with 400) and
    `handler`, which takes the admitted arrival later with the service's ports and returns events to publish."""

    name: str
    trigger: str  # the spec's x-triggers key of what comes through it: "github-webhooks", "runtime-reports"
    admit: Callable[[Arrival], object]
    handler: Callable[[Arrival, Ports], Sequence[Event]]
    rejections: tuple[type[Exception], ...] = ()
