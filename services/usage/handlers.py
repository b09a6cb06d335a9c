"""Usage's handlers: each status change or stop of an environment becomes one mark on its timeline."""

from __future__ import annotations

from events import EnvironmentStatusChanged, EnvironmentStopped, Event
from events.models import EnvironmentStatus
from ports import Ports, UsageMark


class MissingMetadataError(ValueError):
    """An event reached usage without the metadata the bus fills (its id and occurred_at are the mark)."""

    def __init__(self, event: Event, environment_id: str) -> None:
        super().__init__(
            f"{event.detail_type} of {environment_id} has no metadata: usage keys its mark by metadata.event_id "
            "and places it at metadata.occurred_at, which the bus fills on publish"
        )


def record_status_change(event: EnvironmentStatusChanged, ports: Ports) -> list[Event]:
    """Every status change is a point on the environment's timeline, placed at the time it happened."""
    ports.usage.record(_mark(event, event.status, event.previous_status))
    return []


def record_stop(event: EnvironmentStopped, ports: Ports) -> list[Event]:
    """A stop ends the environment's timeline: nothing after it is metered."""
    ports.usage.record(_mark(event, EnvironmentStatus.stopped, None))
    return []


def _mark(
    event: EnvironmentStatusChanged | EnvironmentStopped,
    status: EnvironmentStatus,
    previous: EnvironmentStatus | None,
) -> UsageMark:
    if event.metadata is None:
        raise MissingMetadataError(event, event.environment_id)
    return UsageMark(
        event_id=event.metadata.event_id,
        app_id=event.app_id,
        environment_id=event.environment_id,
        type=event.type,
        branch=event.branch,
        pr_number=event.pr_number,
        at=event.metadata.occurred_at,
        status=status,
        previous_status=previous,
    )
