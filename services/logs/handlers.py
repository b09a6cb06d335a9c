"""Deployment logs per environment in the blob store: `logs/<env>/<deployment>.log`.

Only the current deployment's log is kept: a deploy request clears the environment's logs, a stop purges
them for good, and lines of any other deployment are dropped.
"""

from __future__ import annotations

from events import EnvironmentDeployRequested, EnvironmentStopped, Event, RuntimeStatusReported
from ports import Ports

_CURRENT = "logs:current:"
_PURGED = "logs:purged:"
_STARTED = "logs:started:"


def log_key(environment_id: str, deployment_id: str) -> str:
    return f"logs/{environment_id}/{deployment_id}.log"


def clear_logs(event: EnvironmentDeployRequested, ports: Ports) -> list[Event]:
    """A new deployment starts with an empty log; a request for a deployment already started changes nothing."""
    if ports.kv.get(_PURGED + event.environment_id) is not None:
        return []
    # Per deployment, not "is it the current one": a duplicate of an older request delivered after a newer
    # deployment started must neither wipe the current log nor make the old deployment current again.
    if ports.kv.get(_STARTED + event.deployment_id) is not None:
        return []
    ports.kv.put(_STARTED + event.deployment_id, event.environment_id)
    ports.blobs.delete_prefix(f"logs/{event.environment_id}/")
    ports.kv.put(_CURRENT + event.environment_id, event.deployment_id)
    line = f"{ports.clock.now().isoformat()} deploy {event.deployment_id}: {event.sha} ({event.entrypoint})\n"
    ports.blobs.append(log_key(event.environment_id, event.deployment_id), line.encode())
    return []


def append_report(event: RuntimeStatusReported, ports: Ports) -> list[Event]:
    """Each report of the current deployment adds its status, test results and error to the log."""
    if ports.kv.get(_CURRENT + event.environment_id) != event.deployment_id:
        return []  # an old deployment, or a purged environment
    if ports.kv.get(_PURGED + event.environment_id) is not None:
        return []
    lines = [f"{ports.clock.now().isoformat()} {event.status}"]
    lines += [
        f"  {'pass' if t.passed else 'FAIL'} {t.path}" + (f": {t.error}" if t.error else "") for t in event.test_results
    ]
    lines += [f"  error: {event.error_message}"] if event.error_message else []
    ports.blobs.append(log_key(event.environment_id, event.deployment_id), ("\n".join(lines) + "\n").encode())
    return []


def purge_logs(event: EnvironmentStopped, ports: Ports) -> list[Event]:
    """A stopped environment's logs are deleted, and nothing is logged for it again."""
    ports.kv.put(_PURGED + event.environment_id, event.deployment_id or "-")
    ports.blobs.delete_prefix(f"logs/{event.environment_id}/")
    return []


def read_logs(environment_id: str, ports: Ports) -> str:
    """The current deployment's log (for the API); empty when there is none."""
    deployment_id = ports.kv.get(_CURRENT + environment_id)
    if deployment_id is None or ports.kv.get(_PURGED + environment_id) is not None:
        return ""
    return (ports.blobs.get(log_key(environment_id, deployment_id)) or b"").decode()
