"""A fake fly.io: apps, secrets and machines in memory, plus the runtime each machine would run.

A machine started for a deployment (its spec's metadata names `environment_id` and `deployment_id`) queues
the status reports the Wing runtime inside it would send, following `script`; the composition root plays
them back through the runtime's report entry point (`take_report`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from events.models import Endpoint, TestResult
from ports import FlyIOError, MachineSpec, RuntimeReport
from sim.fakes._calls import Recorder

PASSING_TEST = TestResult(path="main.w:sends a message", passed=True, error=None)
FAILING_TEST = TestResult(path="main.w:sends a message", passed=False, error="assertion failed: expected 1, got 2")
COMPILE_ERROR = "Compilation failed: main.w:3:1: unknown symbol 'bucket'"


class RuntimeScript(StrEnum):
    """What the runtime in a new machine reports."""

    SUCCESS = "success"  # deploying, running-tests, running-server (tests passed), running (endpoints)
    TEST_FAILURE = "test-failure"  # deploying, running-tests, tests-error (a test failed), running (endpoints)
    COMPILE_ERROR = "compile-error"  # deploying, error
    SILENT = "silent"  # nothing: the scenario reports by hand


@dataclass
class FakeFlyApp:
    name: str
    secrets: dict[str, str] = field(default_factory=dict)
    machines: dict[str, str] = field(default_factory=dict)  # idempotency key -> machine id
    specs: dict[str, MachineSpec] = field(default_factory=dict)  # machine id -> spec


def script_reports(
    script: RuntimeScript, environment_id: str, deployment_id: str, app_name: str, correlation_id: str | None = None
) -> list[RuntimeReport]:
    """The reports a runtime following `script` sends for one deployment, in order."""

    def report(
        status: str,
        tests: tuple[TestResult, ...] = (),
        endpoints: tuple[Endpoint, ...] = (),
        error: str | None = None,
    ) -> RuntimeReport:
        return RuntimeReport(environment_id, deployment_id, status, tests, endpoints, error, correlation_id)

    served = (
        Endpoint(label="website", url=f"https://{app_name}.fly.dev/"),
        Endpoint(label="api", url=f"https://{app_name}.fly.dev/api"),
    )
    if script is RuntimeScript.SUCCESS:
        return [
            report("deploying"),
            report("running-tests"),
            report("running-server", tests=(PASSING_TEST,)),
            report("running", tests=(PASSING_TEST,), endpoints=served),
        ]
    if script is RuntimeScript.TEST_FAILURE:
        return [
            report("deploying"),
            report("running-tests"),
            report("tests-error", tests=(FAILING_TEST,)),
            report("running", tests=(FAILING_TEST,), endpoints=served),
        ]
    if script is RuntimeScript.COMPILE_ERROR:
        return [report("deploying"), report("error", error=COMPILE_ERROR)]
    return []


class FakeFlyIO(Recorder):
    """Implements `ports.FlyIO` in memory. `refuse_with` makes the next `run_machine` fail like a 4xx."""

    def __init__(self, script: RuntimeScript = RuntimeScript.SUCCESS) -> None:
        super().__init__()
        self.apps: dict[str, FakeFlyApp] = {}
        self.destroyed: list[str] = []
        self.retired: list[str] = []  # machines destroyed one by one (replaced by a newer deployment's)
        self.script = script
        self.refuse_with: str | None = None
        self._pending: deque[tuple[str, RuntimeReport]] = deque()
        self._machines = 0

    def ensure_app(self, app_name: str) -> None:
        self._record("ensure_app", app_name)
        self.apps.setdefault(app_name, FakeFlyApp(app_name))

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None:
        self._record("set_secrets", app_name, tuple(sorted(secrets)))  # names only: values stay out of records
        self.apps.setdefault(app_name, FakeFlyApp(app_name)).secrets = dict(secrets)

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        self._record("run_machine", spec.app_name, idempotency_key)
        if self.refuse_with is not None:
            message, self.refuse_with = self.refuse_with, None
            raise FlyIOError(message)
        app = self.apps.setdefault(spec.app_name, FakeFlyApp(spec.app_name))
        if idempotency_key in app.machines:
            return app.machines[idempotency_key]
        self._machines += 1
        machine_id = f"{self._machines:014x}"
        app.machines[idempotency_key] = machine_id
        app.specs[machine_id] = spec
        environment_id, deployment_id = spec.metadata.get("environment_id"), spec.metadata.get("deployment_id")
        if environment_id and deployment_id:
            correlation_id = spec.env.get("WINGCLOUD_CORRELATION_ID")
            for report in script_reports(self.script, environment_id, deployment_id, spec.app_name, correlation_id):
                self._pending.append((spec.app_name, report))
        return machine_id

    def destroy_machine(self, app_name: str, machine_id: str) -> None:
        self._record("destroy_machine", app_name, machine_id)
        app = self.apps.get(app_name)
        if app is not None and app.specs.pop(machine_id, None) is not None:
            self.retired.append(machine_id)
            app.machines = {key: mid for key, mid in app.machines.items() if mid != machine_id}

    def destroy_app(self, app_name: str) -> None:
        self._record("destroy_app", app_name)
        if self.apps.pop(app_name, None) is not None:
            self.destroyed.append(app_name)
        # A destroyed machine sends nothing more.
        self._pending = deque(item for item in self._pending if item[0] != app_name)

    def take_report(self) -> RuntimeReport | None:
        """The next report a running machine sends, or None when every machine is quiet."""
        return self._pending.popleft()[1] if self._pending else None
