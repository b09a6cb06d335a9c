"""api: users' commands that become events: a manual redeploy, and a manual stop, of an environment."""

from __future__ import annotations

from events import EnvironmentRedeployRequested, EnvironmentStopRequested, Event
from events.models import EnvironmentStatus
from events.transitions import TRANSITIONS
from ports import Ports, ServiceDefinition

SERVICE = ServiceDefinition(name="api", handlers={})
# What a user may redeploy: the spec's manual-deploy row (the environment manager refuses the rest too).
MANUAL_REDEPLOY_FROM = frozenset(TRANSITIONS["manual-deploy"])
# What a user may stop: the spec's stop row, the same one the environment manager applies for any stop.
STOP_FROM = frozenset(TRANSITIONS["stop"])


class UnknownEnvironmentError(KeyError):
    """No environment has this id."""

    def __init__(self, environment_id: str) -> None:
        super().__init__(f"no environment with id {environment_id!r}")
        self.environment_id = environment_id

    def __str__(self) -> str:
        return str(self.args[0])


class RedeployRefusedError(ValueError):
    """A redeploy was asked for an environment that is not running or in error."""

    def __init__(self, environment_id: str, status: EnvironmentStatus) -> None:
        allowed = " or ".join(sorted(MANUAL_REDEPLOY_FROM))
        super().__init__(f"environment {environment_id} is {status}; a redeploy is allowed only from {allowed}")
        self.environment_id = environment_id
        self.status = status


class StopRefusedError(ValueError):
    """A stop was asked for an environment that is already stopped."""

    def __init__(self, environment_id: str, status: EnvironmentStatus) -> None:
        super().__init__(f"environment {environment_id} is {status}; only a live environment can be stopped")
        self.environment_id = environment_id
        self.status = status


def request_redeploy(environment_id: str, user: str, ports: Ports) -> list[Event]:
    """Ask the environment manager to redeploy; refused at once unless running or in error."""
    env = ports.environments.get(environment_id)
    if env is None:
        raise UnknownEnvironmentError(environment_id)
    if env.status not in MANUAL_REDEPLOY_FROM:
        raise RedeployRefusedError(environment_id, env.status)
    return [EnvironmentRedeployRequested(environment_id=environment_id, requested_by=user)]


def request_stop(environment_id: str, user: str, ports: Ports) -> list[Event]:
    """Ask the environment manager to stop; refused at once when the environment is already stopped."""
    env = ports.environments.get(environment_id)
    if env is None:
        raise UnknownEnvironmentError(environment_id)
    if env.status not in STOP_FROM:
        raise StopRefusedError(environment_id, env.status)
    return [EnvironmentStopRequested(environment_id=environment_id, requested_by=user)]


__all__ = [
    "SERVICE",
    "RedeployRefusedError",
    "StopRefusedError",
    "UnknownEnvironmentError",
    "request_redeploy",
    "request_stop",
]
