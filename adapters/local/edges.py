"""What arrives from outside the bus, as stored in the inbox: runtime reports as JSON, and an envelope-shaped
record of an edge delivery so that traces and dead letters read alike for every kind of work."""

from __future__ import annotations

import json

from adapters.local import outbox
from bus.routing import Envelope
from ports import RuntimeReport


def edge_envelope(kind: str, ref: str, name: str, correlation_id: str, received_at: str) -> Envelope:
    """An envelope-shaped record of an edge delivery, so trace and dead letters read alike for every kind."""
    detail_type, source = ("GitHubWebhook", "github.com") if kind == outbox.WEBHOOK else ("RuntimeReport", "fly.io")
    return {
        "version": "0",
        "id": ref,
        "detail-type": detail_type,
        "source": source,
        "account": "000000000000",
        "time": received_at,
        "region": "local",
        "resources": [],
        "detail": {
            "metadata": {
                "event_id": ref,
                "correlation_id": correlation_id,
                "causation_id": None,
                "occurred_at": received_at,
            },
            "name": name,
        },
    }


def report_to_json(report: RuntimeReport) -> bytes:
    return json.dumps(
        {
            "environment_id": report.environment_id,
            "deployment_id": report.deployment_id,
            "status": report.status,
            "test_results": [{"path": p, "passed": ok, "error": e} for p, ok, e in report.test_results],
            "endpoints": [{"label": label, "url": url} for label, url in report.endpoints],
            "error_message": report.error_message,
        }
    ).encode()


def report_from_json(body: bytes) -> RuntimeReport:
    raw = json.loads(body)
    return RuntimeReport(
        environment_id=str(raw["environment_id"]),
        deployment_id=str(raw["deployment_id"]),
        status=str(raw["status"]),
        test_results=tuple((str(t["path"]), bool(t["passed"]), t.get("error")) for t in raw.get("test_results") or ()),
        endpoints=tuple((str(e["label"]), str(e["url"])) for e in raw.get("endpoints") or ()),
        error_message=raw.get("error_message"),
    )
