"""Logs: the current deployment's log, cleared on a new deploy, purged on stop."""

from __future__ import annotations

from events import EnvironmentDeployRequested, EnvironmentStopped, RuntimeStatusReported
from events.models import EventMetadata
from services.logs import read_logs
from services.logs.handlers import append_report, clear_logs, purge_logs
from sim.fakes import EPOCH, Fakes
from tests.builders import SHA_A, a_preview_event
from tests.kernel import Kernel


def deploy(deployment_id: str) -> EnvironmentDeployRequested:
    return a_preview_event(
        EnvironmentDeployRequested, deployment_id=deployment_id, sha=SHA_A, entrypoint="main.w", installation_id=1
    )


def report(deployment_id: str, status: str, event_id: str, **extra: object) -> RuntimeStatusReported:
    fields: dict[str, object] = {
        "environment_id": "env_1",
        "deployment_id": deployment_id,
        "status": status,
        "test_results": [],
        "endpoints": [],
        "error_message": None,
        "metadata": EventMetadata(event_id=event_id, correlation_id="c", causation_id=None, occurred_at=EPOCH),
    }
    return RuntimeStatusReported.model_validate(fields | extra)


STOPPED = a_preview_event(EnvironmentStopped, deployment_id="dep_2", reason="pull-request-closed")


def test_reports_of_the_current_deployment_are_logged_once() -> None:
    fakes = Fakes()
    clear_logs(deploy("dep_1"), fakes.ports())
    failing = [{"path": "main.w:test", "passed": False, "error": "expected 1"}]
    kernel = Kernel("logs", fakes.ports())  # the repeated delivery is the kernel's to skip
    kernel.deliver(append_report, report("dep_1", "tests-error", "e1", test_results=failing))
    kernel.deliver(append_report, report("dep_1", "tests-error", "e1", test_results=failing))
    log = read_logs("env_1", fakes.ports())
    assert "deploy dep_1" in log and log.count("tests-error") == 1
    assert "FAIL main.w:test: expected 1" in log


def test_a_new_deployment_clears_the_previous_log_and_ignores_its_late_lines() -> None:
    fakes = Fakes()
    clear_logs(deploy("dep_1"), fakes.ports())
    append_report(report("dep_1", "running", "e1"), fakes.ports())
    clear_logs(deploy("dep_2"), fakes.ports())
    append_report(report("dep_1", "error", "e2", error_message="late"), fakes.ports())
    append_report(report("dep_2", "deploying", "e3"), fakes.ports())
    log = read_logs("env_1", fakes.ports())
    assert "dep_1" not in log and "late" not in log and "deploying" in log
    assert fakes.blobs.keys("logs/env_1/") == ["logs/env_1/dep_2.log"]


def test_a_repeated_deploy_request_keeps_the_log() -> None:
    fakes = Fakes()
    clear_logs(deploy("dep_1"), fakes.ports())
    append_report(report("dep_1", "deploying", "e1"), fakes.ports())
    clear_logs(deploy("dep_1"), fakes.ports())
    assert "deploying" in read_logs("env_1", fakes.ports())


def test_a_repeated_request_of_an_older_deployment_keeps_the_current_log() -> None:
    fakes = Fakes()
    clear_logs(deploy("dep_1"), fakes.ports())
    clear_logs(deploy("dep_2"), fakes.ports())
    append_report(report("dep_2", "deploying", "e1"), fakes.ports())
    clear_logs(deploy("dep_1"), fakes.ports())  # at-least-once: dep_1's request delivered again, late
    append_report(report("dep_2", "running", "e2"), fakes.ports())
    log = read_logs("env_1", fakes.ports())
    assert "deploy dep_2" in log and "deploying" in log and "running" in log and "dep_1" not in log


def test_stop_purges_and_nothing_is_logged_afterwards() -> None:
    fakes = Fakes()
    clear_logs(deploy("dep_2"), fakes.ports())
    append_report(report("dep_2", "running", "e1"), fakes.ports())
    purge_logs(STOPPED, fakes.ports())
    append_report(report("dep_2", "error", "e2"), fakes.ports())
    clear_logs(deploy("dep_3"), fakes.ports())
    assert fakes.blobs.keys("logs/env_1/") == []
    assert read_logs("env_1", fakes.ports()) == ""
