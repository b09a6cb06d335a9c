"""Deployment logs per environment in the blob store: `logs/<env>/<deployment>.log`.

Lines come from the events of a deployment (its request, its status reports) and through the logs door, where
the runtime agent streams what it does and what the app prints. Only the current deployment's log is kept:
a deploy request clears the environment's logs, a stop purges them for good, and lines of any other
deployment are dropped.
"""

from __future__ import annotations

from pydantic import ValidationError

from events import EnvironmentDeployRequested, EnvironmentStopped, Event, RuntimeStatusReported
from ports import Arrival, Edge, LogBatch, Ports
from ports.codec import from_json

MAX_LINES = 2000  # per batch: the agent sends at most 500


class InvalidLogsError(ValueError):
    """A log batch is not what the logs door takes; names the field."""


def log_key(environment_id: str, deployment_id: str) -> str:
    return f"logs/{environment_id}/{deployment_id}.log"


def clear_logs(event: EnvironmentDeployRequested, ports: Ports) -> list[Event]:
    """A new deployment starts with an empty log; a request for a deployment already started changes nothing."""
    if ports.log_index.purged(event.environment_id):
        return []
    if not ports.log_index.start(event.environment_id, event.deployment_id):
        return []  # this deployment's log started already (a late duplicate of an older request included)
    ports.blobs.delete_prefix(f"logs/{event.environment_id}/")
    line = f"{ports.clock.now().isoformat()} deploy {event.deployment_id}: {event.sha} ({event.entrypoint})\n"
    ports.blobs.append(log_key(event.environment_id, event.deployment_id), line.encode())
    return []


def append_report(event: RuntimeStatusReported, ports: Ports) -> list[Event]:
    """Each report of the current deployment adds its status, test results and error to the log."""
    if ports.log_index.current(event.environment_id) != event.deployment_id:
        return []  # an old deployment, or a purged environment
    lines = [f"{ports.clock.now().isoformat()} {event.status}"]
    lines += [
        f"  {'pass' if t.passed else 'FAIL'} {t.path}" + (f": {t.error}" if t.error else "") for t in event.test_results
    ]
    lines += [f"  error: {event.error_message}"] if event.error_message else []
    ports.blobs.append(log_key(event.environment_id, event.deployment_id), ("\n".join(lines) + "\n").encode())
    return []


def purge_logs(event: EnvironmentStopped, ports: Ports) -> list[Event]:
    """A stopped environment's logs are deleted, and nothing is logged for it again."""
    ports.log_index.purge(event.environment_id)
    ports.blobs.delete_prefix(f"logs/{event.environment_id}/")
    return []


def read_logs(environment_id: str, ports: Ports) -> str:
    """The current deployment's log (for the API); empty when there is none."""
    deployment_id = ports.log_index.current(environment_id)
    if deployment_id is None:
        return ""
    return (ports.blobs.get(log_key(environment_id, deployment_id)) or b"").decode()


def admit_logs(arrival: Arrival) -> LogBatch:
    """The batch in a request body; raises InvalidLogsError naming every bad field."""
    try:
        batch = from_json(LogBatch, arrival.body)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())
        raise InvalidLogsError(f"the log batch is not valid: {problems}") from None
    if len(batch.lines) > MAX_LINES:
        raise InvalidLogsError(f"lines: {len(batch.lines)} lines in one batch; at most {MAX_LINES}")
    return batch


def append_lines(arrival: Arrival, ports: Ports) -> list[Event]:
    """The agent's lines join the current deployment's log; a superseded deployment's are dropped."""
    batch = admit_logs(arrival)
    if ports.log_index.current(batch.environment_id) != batch.deployment_id:
        return []
    text = "".join(f"{line.at} [{line.stream}] {line.text}\n" for line in batch.lines)
    ports.blobs.append(log_key(batch.environment_id, batch.deployment_id), text.encode())
    return []


LOGS = Edge(
    name="logs",
    trigger="runtime-logs",
    admit=admit_logs,
    handler=append_lines,
    rejections=(InvalidLogsError,),
)
