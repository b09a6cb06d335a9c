"""api: users' commands that become events. Today: a manual redeploy of an environment."""

from __future__ import annotations

from events import EnvironmentRedeployRequested, Event
from events.models import EnvironmentStatus
from events.transitions import TRANSITIONS
from ports import Ports, ServiceDefinition

SERVICE = ServiceDefinition(name="api", handlers={})
# What a user may redeploy: the spec's manual-deploy row (the environment manager refuses the rest too).
MANUAL_REDEPLOY_FROM = frozenset(TRANSITIONS["manual-deploy"])


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


def request_redeploy(environment_id: str, user: str, ports: Ports) -> list[Event]:
    """Ask the environment manager to redeploy; refused at once unless running or in error."""
    env = ports.environments.get(environment_id)
    if env is None:
        raise UnknownEnvironmentError(environment_id)
    if env.status not in MANUAL_REDEPLOY_FROM:
        raise RedeployRefusedError(environment_id, env.status)
    return [EnvironmentRedeployRequested(environment_id=environment_id, requested_by=user)]


__all__ = ["SERVICE", "RedeployRefusedError", "UnknownEnvironmentError", "request_redeploy"]
