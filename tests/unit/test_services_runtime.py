"""The runtime service: fly.io provisioning with secrets, destroy on stop, the report edge."""

from __future__ import annotations

import json

import pytest

from events import (
    EnvironmentDeployRequested,
    EnvironmentStatusChanged,
    EnvironmentStopped,
    RuntimeDestroyed,
    RuntimeProvisioned,
    RuntimeProvisioningFailed,
    RuntimeStatusReported,
)
from ports import Arrival
from services import runtime, secrets
from services.runtime import InvalidReportError, accept_report, admit_report, fly_app_name
from services.runtime.handlers import destroy_runtime, provision_deployment, retire_replaced
from sim.fakes import EPOCH, Fakes
from tests.builders import SHA_A, a_preview_event


def deploy_requested(deployment_id: str = "dep_1", env_type: str = "preview") -> EnvironmentDeployRequested:
    return a_preview_event(
        EnvironmentDeployRequested,
        type=env_type,
        deployment_id=deployment_id,
        sha=SHA_A,
        entrypoint="main.w",
        installation_id=1,
    )


STOPPED = a_preview_event(EnvironmentStopped, deployment_id="dep_1", reason="pull-request-closed")


def test_fly_app_names_are_valid_and_per_environment() -> None:
    assert fly_app_name("env_00001") == "wc-env-00001"


def test_a_deploy_starts_one_machine_with_the_secrets_of_its_environment_type() -> None:
    fakes = Fakes()
    ports = fakes.ports()
    secrets.create_secret("app_1", "preview", "API_TOKEN", "preview-value", ports)
    secrets.create_secret("app_1", "production", "API_TOKEN", "production-value", ports)
    [provisioned] = provision_deployment(deploy_requested(), ports)
    assert isinstance(provisioned, RuntimeProvisioned)
    assert (provisioned.fly_app_name, provisioned.deployment_id) == ("wc-env-1", "dep_1")
    app = fakes.flyio.apps["wc-env-1"]
    assert app.secrets == {"API_TOKEN": "preview-value", "WINGCLOUD_GIT_TOKEN": "ghs_sim_1"}
    spec = app.specs[provisioned.machine_id]
    assert spec.env["GIT_SHA"] == SHA_A and spec.env["ENTRYPOINT"] == "main.w"
    assert spec.secret_names == ("API_TOKEN",) and "preview-value" not in repr(spec)
    assert "preview-value" not in repr(fakes.flyio.calls)


def test_the_machine_gets_an_installation_token_as_a_secret_never_in_its_environment() -> None:
    fakes = Fakes()
    [provisioned] = provision_deployment(deploy_requested(), fakes.ports())
    assert isinstance(provisioned, RuntimeProvisioned)
    assert [call.args for call in fakes.github.called("installation_token")] == [(1,)]
    app = fakes.flyio.apps["wc-env-1"]
    assert app.secrets["WINGCLOUD_GIT_TOKEN"] == "ghs_sim_1"
    spec = app.specs[provisioned.machine_id]
    assert "ghs_sim_1" not in repr(spec) and "WINGCLOUD_GIT_TOKEN" not in spec.env
    assert spec.secret_names == ()  # the app's secrets only: the agent hands these to the app
    assert "ghs_sim_1" not in repr(fakes.flyio.calls)


def test_a_failure_to_get_the_token_is_retried_before_fly_io_is_touched() -> None:
    fakes = Fakes()

    def unavailable(installation_id: int) -> str:
        raise ConnectionError("api.github.com unreachable")

    fakes.github.installation_token = unavailable  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        provision_deployment(deploy_requested(), fakes.ports())
    assert fakes.flyio.calls == [] and not fakes.ports().machines.provisioned("dep_1")


def test_a_repeated_deploy_request_starts_nothing_more() -> None:
    fakes = Fakes()
    provision_deployment(deploy_requested(), fakes.ports())
    assert provision_deployment(deploy_requested(), fakes.ports()) == []
    assert len(fakes.flyio.called("run_machine")) == 1


def test_a_refusal_from_fly_fails_the_deployment() -> None:
    fakes = Fakes()
    fakes.flyio.refuse_with = "422: app name wc-env-1 is taken"
    [failed] = provision_deployment(deploy_requested(), fakes.ports())
    assert isinstance(failed, RuntimeProvisioningFailed)
    assert failed.error_message == "422: app name wc-env-1 is taken"


def test_a_transient_failure_propagates_for_the_bus_to_retry() -> None:
    fakes = Fakes()

    def broken(*_: object, **__: object) -> str:
        raise ConnectionError("fly.io unreachable")

    fakes.flyio.run_machine = broken  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        provision_deployment(deploy_requested(), fakes.ports())


def test_stop_destroys_the_fly_app_once_and_blocks_late_deploys() -> None:
    fakes = Fakes()
    [destroyed] = destroy_runtime(STOPPED, fakes.ports())
    assert destroyed == RuntimeDestroyed(environment_id="env_1", fly_app_name="wc-env-1")
    assert destroy_runtime(STOPPED, fakes.ports()) == []
    assert provision_deployment(deploy_requested("dep_2"), fakes.ports()) == []
    assert fakes.flyio.called("destroy_app") == fakes.flyio.calls and len(fakes.flyio.calls) == 1


def report_arrival(**fields: object) -> Arrival:
    """A report as its JSON body arrives at the door."""
    body = json.dumps({"environment_id": "env_1", "deployment_id": "dep_1", **fields}).encode()
    return Arrival("report", "r-1", str(fields.get("status")), body, "c-1", EPOCH)


def test_a_report_becomes_an_event() -> None:
    arrival = report_arrival(
        status="running",
        test_results=[{"path": "t", "passed": True, "error": None}],
        endpoints=[{"label": "website", "url": "https://x.fly.dev/"}],
    )
    [event] = accept_report(arrival, Fakes().ports())
    assert isinstance(event, RuntimeStatusReported)
    assert event.status.value == "running" and event.endpoints[0].label == "website"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "stopped"}, "status 'stopped' is not one of"),
        (
            {"status": "running", "endpoints": [{"label": "Web Site", "url": "https://x/"}]},
            "label: String should match",
        ),
        ({"status": "running", "deployment_id": "not-a-deployment"}, "deployment_id"),
    ],
)
def test_a_report_breaking_the_contract_is_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidReportError, match=message):
        accept_report(report_arrival(**fields), Fakes().ports())
    with pytest.raises(InvalidReportError, match=message):
        admit_report(report_arrival(**fields))  # the door refuses it too, before anything is kept


def test_the_service_handles_deploys_settled_deployments_and_stops() -> None:
    assert set(runtime.SERVICE.handlers) == {EnvironmentDeployRequested, EnvironmentStatusChanged, EnvironmentStopped}


def settled(deployment_id: str, status: str = "running") -> EnvironmentStatusChanged:
    return a_preview_event(
        EnvironmentStatusChanged,
        deployment_id=deployment_id,
        sha=SHA_A,
        previous_status="running-server",
        status=status,
        endpoints=[],
        test_results=[],
        error_message=None,
    )


def test_a_deployment_that_settles_retires_the_machines_it_replaced_and_only_those() -> None:
    fakes = Fakes()
    ports = fakes.ports()
    machines = [provision_deployment(deploy_requested(f"dep_{n}"), ports)[0].machine_id for n in (1, 2, 3)]
    assert retire_replaced(settled("dep_2", "running-server"), ports) == []  # not settled yet: nothing stops
    assert fakes.flyio.retired == []
    assert retire_replaced(settled("dep_2"), ports) == []  # running: dep_1 stops; dep_3 came after, it stays
    assert fakes.flyio.retired == [machines[0]]
    retire_replaced(settled("dep_2"), ports)  # delivered again: nothing more
    assert fakes.flyio.retired == [machines[0]]
    retire_replaced(settled("dep_3", "error"), ports)  # failed: the one it replaced stops too
    assert fakes.flyio.retired == [machines[0], machines[1]]
    assert set(fakes.flyio.apps["wc-env-1"].specs) == {machines[2]}


def test_a_settled_deployment_without_a_machine_retires_nothing() -> None:
    fakes = Fakes()
    ports = fakes.ports()
    provision_deployment(deploy_requested("dep_1"), ports)
    retire_replaced(settled("dep_9"), ports)  # fly.io refused its machine, or it is not ours
    assert fakes.flyio.retired == []
