"""Structured logs and metrics of a function, with AWS Lambda Powertools (the ecosystem's convention).

Every log line is one JSON object (Powertools `Logger`) that carries, while a parcel is being delivered, its
`event_id`, `correlation_id`, `causation_id`, `detail_type` (or the door and arrival id) and `target`; the
function's `LoggingConfig` sends it to its log group as is. Each delivery adds one count to `Handled` or
`Failed` and the number of events it published to `Published` (Powertools `Metrics`: CloudWatch embedded
metric format, no PutMetricData call), flushed at the end of each invocation.

Not taken from Powertools, and why: its batch processor (`BatchProcessor`) would replace the twenty lines of
`Consumer.handle_batch` but not the kernel's delivery, and it swallows a record's exception into a
`batchItemFailures` entry the same way; its idempotency utility is the kernel's ledger done a second time; its
event source data classes would wrap what `bus.Envelope.from_wire` already validates against the spec.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from bus.envelope import Envelope
from ports import Arrival

NAMESPACE = "wingcloud"


class Telemetry:
    """A service's logger, and the function's metrics (Powertools keeps one metric set per process, so the
    ingress's hosted services count together under its `POWERTOOLS_SERVICE_NAME`, `ingress`)."""

    def __init__(self, service: str, stream: Any = None) -> None:
        from aws_lambda_powertools import Logger

        self.logger = Logger(service=service, stream=stream, use_rfc3339=True, utc=True)
        self.metrics = _metrics()

    @contextlib.contextmanager
    def delivering(self, parcel: Envelope | Arrival | None, target: str | None = None) -> Iterator[None]:
        """Every line logged inside names the parcel and its correlation."""
        keys = _keys(parcel, target)
        self.logger.append_keys(**keys)
        try:
            yield
        finally:
            self.logger.remove_keys(list(keys))

    def handled(self, published: int) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self.metrics.add_metric(name="Handled", unit=MetricUnit.Count, value=1)
        self.metrics.add_metric(name="Published", unit=MetricUnit.Count, value=published)

    def failed(self) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self.metrics.add_metric(name="Failed", unit=MetricUnit.Count, value=1)

    def flush(self) -> None:
        """Write the invocation's metrics (one EMF line), if any."""
        if self.metrics.metric_set:
            self.metrics.flush_metrics()


@functools.cache
def _metrics() -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE)  # dimension `service` from POWERTOOLS_SERVICE_NAME (the template's)


def _keys(parcel: Envelope | Arrival | None, target: str | None) -> dict[str, Any]:
    if isinstance(parcel, Arrival):
        keys: dict[str, Any] = {
            "door": parcel.door,
            "arrival_id": parcel.id,
            "correlation_id": parcel.correlation_id,
            "causation_id": None,
        }
    elif isinstance(parcel, Envelope):
        keys = {"detail_type": parcel.detail_type, "envelope_id": parcel.id}
        try:  # a foreign or broken event may have no metadata: it is logged (and failed) all the same
            keys |= {
                "event_id": parcel.event_id,
                "correlation_id": parcel.correlation_id,
                "causation_id": parcel.causation_id,
            }
        except Exception as error:
            keys["metadata_error"] = type(error).__name__
    else:
        keys = {}
    return keys | ({"target": target} if target else {})
