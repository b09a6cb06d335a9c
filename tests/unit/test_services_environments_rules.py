"""The environment manager's pure decisions: transition table, report fencing, push routing, staleness."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from events.models import EnvironmentStatus as S
from events.models import EnvironmentType, ReportRejectionReason
from services.environments import rules
from services.environments.rules import PushAction, Trigger, allows, judge_report
from sim.fakes import EPOCH
from tests.builders import SHA_A, SHA_B, an_environment

PIPELINE = [S.initializing, S.deploying, S.running_tests, S.running_server, S.running]


@pytest.mark.parametrize(("current", "target"), list(itertools.pairwise(PIPELINE)))
def test_reports_move_a_deployment_along_the_pipeline(current: S, target: S) -> None:
    assert allows(Trigger.REPORT, current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.running, S.deploying), (S.running_server, S.running_tests), (S.running, S.running_tests), (S.error, S.running)],
)
def test_reports_never_move_backwards_or_out_of_error(current: S, target: S) -> None:
    assert not allows(Trigger.REPORT, current, target)


def test_tests_error_still_leads_to_running() -> None:
    assert allows(Trigger.REPORT, S.running_tests, S.tests_error)
    assert allows(Trigger.REPORT, S.tests_error, S.running)


def test_a_report_may_skip_ahead_when_an_earlier_one_is_late() -> None:
    assert allows(Trigger.REPORT, S.deploying, S.running)


@pytest.mark.parametrize("status", [s for s in S if s is not S.stopped])
def test_every_live_status_can_fail_by_report_or_be_stopped(status: S) -> None:
    assert allows(Trigger.STOP, status, S.stopped)
    assert status is S.error or allows(Trigger.REPORT, status, S.error)


@pytest.mark.parametrize("trigger", list(Trigger))
def test_nothing_leaves_stopped(trigger: Trigger) -> None:
    assert not any(allows(trigger, S.stopped, target) for target in S)


@pytest.mark.parametrize("status", list(S))
def test_manual_redeploy_only_from_running_or_error(status: S) -> None:
    assert allows(Trigger.MANUAL_DEPLOY, status, S.initializing) is (status in {S.running, S.error})


@pytest.mark.parametrize("status", [S.initializing, S.deploying, S.running_tests, S.running, S.error])
def test_a_new_commit_supersedes_any_live_deployment(status: S) -> None:
    assert allows(Trigger.DEPLOY, status, S.initializing)


def test_report_of_the_current_deployment_is_applied() -> None:
    env = an_environment(status=S.deploying, deployment_id="dep_2")
    assert judge_report(env, "dep_2", S.running_tests) == rules.APPLY


@pytest.mark.parametrize(
    ("env", "deployment", "status", "reason"),
    [
        (None, "dep_1", S.running, ReportRejectionReason.unknown_environment),
        (an_environment(status=S.stopped), "dep_1", S.running, ReportRejectionReason.environment_stopped),
        (an_environment(deployment_id="dep_2"), "dep_1", S.running, ReportRejectionReason.stale_deployment),
        (an_environment(status=S.running), "dep_1", S.deploying, ReportRejectionReason.transition_not_allowed),
    ],
)
def test_reports_are_fenced(env, deployment, status, reason) -> None:
    verdict = judge_report(env, deployment, status)
    assert not verdict.apply and verdict.rejection is reason


def test_a_repeated_report_is_neither_applied_nor_rejected() -> None:
    assert judge_report(an_environment(status=S.running), "dep_1", S.running) == rules.REPEAT


def test_a_stopped_environment_rejects_even_its_current_deployment() -> None:
    env = an_environment(status=S.stopped, deployment_id="dep_1")
    assert judge_report(env, "dep_1", S.error).rejection is ReportRejectionReason.environment_stopped


def test_push_routing_redeploys_production_and_leaves_previews_to_synchronize() -> None:
    assert {
        EnvironmentType.production: PushAction.REDEPLOY,
        EnvironmentType.preview: PushAction.LEAVE_TO_SYNCHRONIZE,
    } == rules.PUSH_ROUTING
    production = an_environment(env_type=EnvironmentType.production)
    preview = an_environment(branch="master")
    assert rules.push_redeploys(production, "master", SHA_B)
    assert not rules.push_redeploys(preview, "master", SHA_B)


def test_push_redeploys_only_the_pushed_branch_and_only_a_new_sha() -> None:
    production = an_environment(env_type=EnvironmentType.production)
    assert not rules.push_redeploys(production, "develop", SHA_B)
    assert not rules.push_redeploys(production, "master", SHA_A)


def test_stopped_environments_never_need_a_deploy() -> None:
    assert not rules.needs_deploy(an_environment(status=S.stopped), SHA_B)
    assert rules.needs_deploy(an_environment(status=S.error), SHA_B)


def test_a_preview_is_stale_after_the_threshold_and_production_never() -> None:
    week = timedelta(days=7)
    assert rules.is_stale(an_environment(at=EPOCH), EPOCH + week, week)
    assert not rules.is_stale(an_environment(at=EPOCH), EPOCH + week - timedelta(seconds=1), week)
    assert not rules.is_stale(an_environment(env_type=EnvironmentType.production), EPOCH + 2 * week, week)
    assert not rules.is_stale(an_environment(status=S.stopped), EPOCH + 2 * week, week)


def test_fork_pull_requests_get_no_preview_by_default() -> None:
    assert rules.PREVIEW_FORK_PULL_REQUESTS is False
