"""Environment manager handlers over the in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events import (
    AppCreated,
    AppDeleted,
    AppEntrypointChanged,
    BranchPushed,
    CleanupDue,
    EnvironmentCreated,
    EnvironmentDeleted,
    EnvironmentDeployRequested,
    EnvironmentRedeployRefused,
    EnvironmentRedeployRequested,
    EnvironmentReportRejected,
    EnvironmentStatusChanged,
    EnvironmentStopped,
    EnvironmentStopRequested,
    Event,
    PullRequestClosed,
    PullRequestOpened,
    PullRequestSynchronized,
    RuntimeProvisioned,
    RuntimeProvisioningFailed,
    RuntimeStatusReported,
)
from events.models import EnvironmentStatus as S
from events.models import EnvironmentType, EventMetadata, StopReason
from services.environments import apps, commands, pull_requests, reports
from sim.fakes import EPOCH, Fakes
from tests.builders import SHA_A, SHA_B, an_app, an_environment
from tests.kernel import Kernel


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def kinds(published: list[Event]) -> list[str]:
    return [e.detail_type for e in published]


def with_id(event: Event, event_id: str) -> Event:
    metadata = EventMetadata(event_id=event_id, correlation_id="c", causation_id=None, occurred_at=EPOCH)
    return event.model_copy(update={"metadata": metadata})


def opened(**changes: object) -> PullRequestOpened:
    fields: dict[str, object] = {
        "delivery_id": "d-1",
        "installation_id": 1,
        "repository": "Codertocat/Hello-World",
        "pr_number": 2,
        "title": "Update the README",
        "head_branch": "changes",
        "head_sha": SHA_A,
        "base_branch": "master",
        "head_repository": "Codertocat/Hello-World",
        "is_fork": False,
        "sender_login": "Codertocat",
    }
    return PullRequestOpened.model_validate(fields | changes)


def synchronized(pr_number: int = 2, sha: str = SHA_B) -> PullRequestSynchronized:
    return PullRequestSynchronized(
        delivery_id="d-2",
        installation_id=1,
        repository="codertocat/hello-world",
        pr_number=pr_number,
        head_branch="changes",
        head_sha=sha,
        before_sha=SHA_A,
    )


def closed(merged: bool = False) -> PullRequestClosed:
    return PullRequestClosed(
        delivery_id="d-3",
        installation_id=1,
        repository="Codertocat/Hello-World",
        pr_number=2,
        head_branch="changes",
        head_sha=SHA_A,
        merged=merged,
    )


def pushed(branch: str, sha: str = SHA_B) -> BranchPushed:
    return BranchPushed(
        delivery_id="d-4",
        installation_id=1,
        repository="Codertocat/Hello-World",
        branch=branch,
        before_sha=SHA_A,
        after_sha=sha,
        forced=False,
        head_commit_message="more",
        pusher="codertocat",
    )


def report(status: str, deployment_id: str = "dep_1", **extra: object) -> RuntimeStatusReported:
    fields: dict[str, object] = {
        "environment_id": "env_1",
        "deployment_id": deployment_id,
        "status": status,
        "test_results": [],
        "endpoints": [],
        "error_message": None,
    }
    return RuntimeStatusReported.model_validate(fields | extra)


# --- pull requests -------------------------------------------------------------------------------------


def test_an_opened_pull_request_gets_one_preview_per_app_of_the_repository(fakes: Fakes) -> None:
    fakes.apps.put(an_app("app_1"))
    fakes.apps.put(an_app("app_2", owner="octocat", repository="codertocat/hello-world"))
    fakes.apps.put(an_app("app_3", repository="octocat/Spoon-Knife"))
    published = pull_requests.open_previews(opened(), fakes.ports())
    assert kinds(published) == ["EnvironmentCreated", "EnvironmentStatusChanged", "EnvironmentDeployRequested"] * 2
    previews = fakes.environments.list_all()
    assert sorted(e.app_id for e in previews) == ["app_1", "app_2"]
    assert {(e.type, e.branch, e.pr_number, e.sha, e.status) for e in previews} == {
        (EnvironmentType.preview, "changes", 2, SHA_A, S.initializing)
    }
    deploys = [e for e in published if isinstance(e, EnvironmentDeployRequested)]
    assert len({d.deployment_id for d in deploys}) == 2
    assert {d.deployment_id for d in deploys} == {e.deployment_id for e in previews}


def test_a_repeated_pull_request_opened_creates_nothing_more(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    pull_requests.open_previews(opened(), fakes.ports())
    assert pull_requests.open_previews(opened(), fakes.ports()) == []
    assert len(fakes.environments.list_all()) == 1


def test_a_pull_request_from_a_fork_gets_no_preview(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    assert pull_requests.open_previews(opened(is_fork=True, head_repository="octocat/Hello-World"), fakes.ports()) == []
    assert fakes.environments.list_all() == []


def test_a_repository_without_apps_gets_nothing(fakes: Fakes) -> None:
    assert pull_requests.open_previews(opened(), fakes.ports()) == []


def test_reopening_after_a_stop_opens_a_new_preview(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment("env_old", status=S.stopped))
    published = pull_requests.open_previews(opened(), fakes.ports())
    assert isinstance(published[0], EnvironmentCreated) and published[0].environment_id != "env_old"
    assert fakes.environments.get("env_old") == an_environment("env_old", status=S.stopped)


def test_synchronize_redeploys_only_live_previews_of_that_pull_request(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment("env_live"))
    fakes.environments.put(an_environment("env_stopped", status=S.stopped))
    fakes.environments.put(an_environment("env_other_pr", pr_number=3))
    fakes.environments.put(an_environment("env_prod", env_type=EnvironmentType.production, branch="changes"))
    published = pull_requests.redeploy_previews(synchronized(), fakes.ports())
    assert kinds(published) == ["EnvironmentStatusChanged", "EnvironmentDeployRequested"]
    live = fakes.environments.get("env_live")
    assert live is not None and (live.status, live.sha, live.deployed_sha) == (S.initializing, SHA_B, SHA_B)
    assert live.deployment_id not in (None, "dep_1")
    for untouched in ("env_stopped", "env_other_pr", "env_prod"):
        env = fakes.environments.get(untouched)
        assert env is not None and env.sha == SHA_A


def test_synchronize_to_the_deployed_sha_is_a_no_op(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment())
    assert pull_requests.redeploy_previews(synchronized(sha=SHA_A), fakes.ports()) == []


@pytest.mark.parametrize("merged", [False, True])
def test_closing_stops_live_previews_and_skips_stopped_ones(fakes: Fakes, merged: bool) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment("env_live"))
    fakes.environments.put(an_environment("env_stopped", status=S.stopped))
    published = pull_requests.stop_previews(closed(merged), fakes.ports())
    assert len(published) == 1 and isinstance(published[0], EnvironmentStopped)
    assert published[0].environment_id == "env_live" and published[0].reason is StopReason.pull_request_closed
    assert [e.status for e in fakes.environments.list_all()] == [S.stopped, S.stopped]
    assert pull_requests.stop_previews(closed(merged), fakes.ports()) == []


def test_a_stopped_environment_keeps_no_endpoints(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    website = ("website", "https://wc-env-1.fly.dev/")
    fakes.environments.put(an_environment("env_live", endpoints=(website,), test_results=(("main.w:t", True, None),)))
    pull_requests.stop_previews(closed(), fakes.ports())
    [env] = fakes.environments.list_all()
    assert (env.status, env.endpoints, env.test_results) == (S.stopped, (), (("main.w:t", True, None),))


# --- pushes and apps -----------------------------------------------------------------------------------


def test_a_push_redeploys_production_of_that_branch_only(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment("env_prod", env_type=EnvironmentType.production))
    fakes.environments.put(an_environment("env_preview", branch="master"))
    published = apps.route_push(pushed("master"), fakes.ports())
    assert kinds(published) == ["EnvironmentStatusChanged", "EnvironmentDeployRequested"]
    assert published[1].environment_id == "env_prod"  # type: ignore[attr-defined]
    assert apps.route_push(pushed("master"), fakes.ports()) == []  # once per sha
    assert apps.route_push(pushed("develop", SHA_A), fakes.ports()) == []


SHA_C = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


def test_a_late_duplicate_of_an_older_push_does_not_redeploy_its_commit(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment("env_prod", env_type=EnvironmentType.production))
    first, second = with_id(pushed("master", SHA_B), "e1"), with_id(pushed("master", SHA_C), "e2")
    kernel = Kernel("environments", fakes.ports())  # duplicates are skipped by the kernel, on every backend
    assert kinds(kernel.deliver(apps.route_push, first)) == ["EnvironmentStatusChanged", "EnvironmentDeployRequested"]
    assert kinds(kernel.deliver(apps.route_push, second)) == ["EnvironmentStatusChanged", "EnvironmentDeployRequested"]
    assert kernel.deliver(apps.route_push, first) == []  # at-least-once: e1 delivered again, after e2
    assert fakes.environments.list_all()[0].sha == SHA_C


def test_a_late_duplicate_of_an_older_synchronize_does_not_redeploy_its_commit(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment())
    first, second = with_id(synchronized(sha=SHA_B), "e1"), with_id(synchronized(sha=SHA_C), "e2")
    kernel = Kernel("environments", fakes.ports())
    assert len(kernel.deliver(pull_requests.redeploy_previews, first)) == 2
    assert len(kernel.deliver(pull_requests.redeploy_previews, second)) == 2
    assert kernel.deliver(pull_requests.redeploy_previews, first) == []
    assert fakes.environments.list_all()[0].sha == SHA_C


def test_a_new_app_gets_production_on_its_last_commit(fakes: Fakes) -> None:
    fakes.apps.put(an_app())
    event = AppCreated(
        app_id="app_1",
        app_name="hello",
        owner="codertocat",
        repository="Codertocat/Hello-World",
        default_branch="master",
        entrypoint="main.w",
        installation_id=1,
    )
    published = apps.open_production(event, fakes.ports())
    assert kinds(published) == ["EnvironmentCreated", "EnvironmentStatusChanged", "EnvironmentDeployRequested"]
    [env] = fakes.environments.list_all()
    assert (env.type, env.branch, env.sha, env.pr_number) == (EnvironmentType.production, "master", SHA_A, None)
    assert apps.open_production(event, fakes.ports()) == []  # duplicate delivery


def test_an_app_deleted_before_its_creation_was_handled_gets_nothing(fakes: Fakes) -> None:
    event = AppCreated(
        app_id="app_9",
        app_name="gone",
        owner="codertocat",
        repository="Codertocat/Hello-World",
        default_branch="master",
        entrypoint="main.w",
        installation_id=1,
    )
    assert apps.open_production(event, fakes.ports()) == []


def test_deleting_an_app_stops_then_deletes_each_environment(fakes: Fakes) -> None:
    fakes.environments.put(an_environment("env_a"))
    fakes.environments.put(an_environment("env_b", status=S.stopped))
    fakes.environments.put(an_environment("env_c", app_id="app_2"))
    published = apps.retire_app_environments(
        AppDeleted(app_id="app_1", repository="Codertocat/Hello-World"), fakes.ports()
    )
    assert kinds(published) == ["EnvironmentStopped", "EnvironmentDeleted", "EnvironmentDeleted"]
    assert isinstance(published[0], EnvironmentStopped) and published[0].reason is StopReason.app_deleted
    assert {e.environment_id for e in published if isinstance(e, EnvironmentDeleted)} == {"env_a", "env_b"}
    assert [e.id for e in fakes.environments.list_all()] == ["env_c"]


def test_a_new_entrypoint_redeploys_live_environments_once_per_event(fakes: Fakes) -> None:
    fakes.apps.put(an_app(entrypoint="src/main.w"))
    fakes.environments.put(an_environment("env_a"))
    fakes.environments.put(an_environment("env_b", status=S.stopped))
    event = with_id(AppEntrypointChanged(app_id="app_1", entrypoint="src/main.w", previous_entrypoint="main.w"), "e1")
    kernel = Kernel("environments", fakes.ports())
    published = kernel.deliver(apps.redeploy_with_new_entrypoint, event)
    deploys = [e for e in published if isinstance(e, EnvironmentDeployRequested)]
    assert [(d.environment_id, d.entrypoint, d.sha) for d in deploys] == [("env_a", "src/main.w", SHA_A)]
    assert kernel.deliver(apps.redeploy_with_new_entrypoint, event) == []


# --- commands ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.running, S.error])
def test_a_manual_redeploy_from_running_or_error(fakes: Fakes, status: S) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment(status=status))
    event = with_id(EnvironmentRedeployRequested(environment_id="env_1", requested_by="codertocat"), "e1")
    kernel = Kernel("environments", fakes.ports())
    published = kernel.deliver(commands.redeploy_on_request, event)
    assert kinds(published) == ["EnvironmentStatusChanged", "EnvironmentDeployRequested"]
    env = fakes.environments.get("env_1")
    assert env is not None and env.status is S.initializing and env.deployment_id != "dep_1" and env.sha == SHA_A
    assert kernel.deliver(commands.redeploy_on_request, event) == []


@pytest.mark.parametrize("status", [S.deploying, S.initializing, S.stopped])
def test_a_manual_redeploy_is_refused_otherwise_and_recorded(fakes: Fakes, status: S) -> None:
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment(status=status))
    event = EnvironmentRedeployRequested(environment_id="env_1", requested_by="codertocat")
    [refused] = commands.redeploy_on_request(event, fakes.ports())
    assert isinstance(refused, EnvironmentRedeployRefused)
    assert (refused.status, refused.reason.value) == (status, "status-not-redeployable")
    assert fakes.environments.get("env_1") == an_environment(status=status)


def test_a_redeploy_of_an_unknown_environment_is_refused(fakes: Fakes) -> None:
    event = EnvironmentRedeployRequested(environment_id="env_404", requested_by="codertocat")
    [refused] = commands.redeploy_on_request(event, fakes.ports())
    assert isinstance(refused, EnvironmentRedeployRefused) and refused.status is None
    assert refused.reason.value == "unknown-environment"


@pytest.mark.parametrize("status", [S.deploying, S.running, S.error])
def test_a_manual_stop_stops_a_live_environment_once(fakes: Fakes, status: S) -> None:
    fakes.environments.put(an_environment(status=status))
    event = EnvironmentStopRequested(environment_id="env_1", requested_by="codertocat")
    [stopped] = commands.stop_on_request(event, fakes.ports())
    assert isinstance(stopped, EnvironmentStopped) and stopped.reason is StopReason.manual
    env = fakes.environments.get("env_1")
    assert env is not None and env.status is S.stopped
    assert commands.stop_on_request(event, fakes.ports()) == []


def test_a_manual_stop_of_an_unknown_environment_changes_nothing(fakes: Fakes) -> None:
    event = EnvironmentStopRequested(environment_id="env_404", requested_by="codertocat")
    assert commands.stop_on_request(event, fakes.ports()) == []


def test_the_sweep_stops_stale_previews_once(fakes: Fakes) -> None:
    week = timedelta(days=7)
    fakes.environments.put(an_environment("env_stale", at=EPOCH))
    fakes.environments.put(an_environment("env_fresh", at=EPOCH + timedelta(days=3)))
    fakes.environments.put(an_environment("env_prod", env_type=EnvironmentType.production, at=EPOCH))
    due = CleanupDue(scheduled_at=EPOCH + week + timedelta(hours=1), stale_after_seconds=int(week.total_seconds()))
    published = commands.stop_stale_previews(due, fakes.ports())
    assert [(e.environment_id, e.reason) for e in published] == [("env_stale", StopReason.stale_preview)]  # type: ignore[attr-defined]
    assert commands.stop_stale_previews(due, fakes.ports()) == []


# --- runtime answers ------------------------------------------------------------------------------------


def test_a_report_of_the_current_deployment_moves_the_environment(fakes: Fakes) -> None:
    fakes.environments.put(an_environment(status=S.running_server))
    endpoint = {"label": "website", "url": "https://wc-env-1.fly.dev/"}
    [changed] = reports.apply_status_report(report("running", endpoints=[endpoint]), fakes.ports())
    assert isinstance(changed, EnvironmentStatusChanged)
    assert (changed.previous_status, changed.status) == (S.running_server, S.running)
    env = fakes.environments.get("env_1")
    assert env is not None and [(e.label, e.url) for e in env.endpoints] == [("website", "https://wc-env-1.fly.dev/")]


def test_test_results_are_kept_from_the_report_that_carried_them(fakes: Fakes) -> None:
    fakes.environments.put(an_environment(status=S.running_tests))
    failing = {"path": "main.w:test", "passed": False, "error": "boom"}
    reports.apply_status_report(report("tests-error", test_results=[failing]), fakes.ports())
    reports.apply_status_report(report("running"), fakes.ports())
    env = fakes.environments.get("env_1")
    assert env is not None and env.status is S.running
    assert [(r.path, r.passed, r.error) for r in env.test_results] == [("main.w:test", False, "boom")]


@pytest.mark.parametrize(
    ("env", "deployment", "reason"),
    [
        (an_environment(status=S.stopped), "dep_1", "environment-stopped"),
        (an_environment(status=S.running, deployment_id="dep_2"), "dep_1", "stale-deployment"),
        (None, "dep_1", "unknown-environment"),
    ],
)
def test_fenced_reports_are_recorded_not_applied(fakes: Fakes, env, deployment: str, reason: str) -> None:
    if env is not None:
        fakes.environments.put(env)
    [rejected] = reports.apply_status_report(report("running", deployment), fakes.ports())
    assert isinstance(rejected, EnvironmentReportRejected)
    assert (rejected.reason.value, rejected.deployment_id, rejected.reported_status.value) == (
        reason,
        deployment,
        "running",
    )
    assert fakes.environments.get("env_1") == env


def test_a_repeated_report_changes_nothing_and_records_nothing(fakes: Fakes) -> None:
    fakes.environments.put(an_environment(status=S.running))
    assert reports.apply_status_report(report("running"), fakes.ports()) == []


def test_provisioning_failure_puts_the_current_deployment_in_error(fakes: Fakes) -> None:
    fakes.environments.put(an_environment(status=S.initializing))
    event = RuntimeProvisioningFailed(environment_id="env_1", deployment_id="dep_1", error_message="422 name taken")
    [changed] = reports.fail_provisioning(event, fakes.ports())
    assert isinstance(changed, EnvironmentStatusChanged) and changed.status is S.error
    assert changed.error_message == "422 name taken"
    stale = RuntimeProvisioningFailed(environment_id="env_1", deployment_id="dep_0", error_message="old")
    [rejected] = reports.fail_provisioning(stale, fakes.ports())
    assert isinstance(rejected, EnvironmentReportRejected) and rejected.reason.value == "stale-deployment"


def test_provisioning_records_the_fly_app_of_the_current_deployment_only(fakes: Fakes) -> None:
    fakes.environments.put(an_environment(status=S.initializing))
    event = RuntimeProvisioned(environment_id="env_1", deployment_id="dep_1", fly_app_name="wc-env-1", machine_id="m1")
    assert reports.record_provisioning(event, fakes.ports()) == []
    env = fakes.environments.get("env_1")
    assert env is not None and env.fly_app_name == "wc-env-1" and env.status is S.initializing
    old = RuntimeProvisioned(environment_id="env_1", deployment_id="dep_0", fly_app_name="wc-old", machine_id="m0")
    reports.record_provisioning(old, fakes.ports())
    assert fakes.environments.get("env_1") == env
