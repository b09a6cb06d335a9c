"""The environment manager's decisions, as data and pure functions: the transition table, push routing,
report fencing, redeploy eligibility and staleness. Nothing here touches a port.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from events import transitions
from events.models import EnvironmentStatus, EnvironmentType, ReportRejectionReason
from ports import Environment

S = EnvironmentStatus


class Trigger(StrEnum):
    """What asks for a status change."""

    REPORT = "report"  # the runtime reported a status of the current deployment
    DEPLOY = "deploy"  # a new commit or entrypoint (push, synchronize, entrypoint change)
    MANUAL_DEPLOY = "manual-deploy"  # a user's redeploy through the API
    STOP = "stop"  # pull request closed, app deleted, stale preview


# The transition table (DESIGN.md §4) is the spec's: `EnvironmentStatus.x-transitions`, generated into
# `events.transitions`, so the API and the docs read the same one. Per trigger, from-status -> the statuses it
# may move to; a status absent from a trigger's row cannot be left by that trigger, everything else is refused.
# - report: a deployment moves forward along initializing -> deploying -> running-tests -> running-server |
#   tests-error -> running, or to error. Skipping ahead is allowed because delivery is unordered: a late
#   `deploying` must not block a `running` that overtook it; going back is never allowed.
# - deploy: a new commit supersedes the deployment in flight (its reports are then fenced by deployment id).
# - manual-deploy: a user may redeploy only what has settled.
# - stop: anything not stopped can be stopped; stopped is final (a reopened pull request gets a new environment).
TRANSITIONS: Mapping[Trigger, Mapping[S, frozenset[S]]] = {
    Trigger(trigger): table for trigger, table in transitions.TRANSITIONS.items()
}


def allows(trigger: Trigger, current: S, target: S) -> bool:
    """True when the table lets `trigger` move an environment from `current` to `target`."""
    return target in TRANSITIONS[trigger].get(current, frozenset())


MANUAL_REDEPLOY_FROM = frozenset(TRANSITIONS[Trigger.MANUAL_DEPLOY])


class PushAction(StrEnum):
    REDEPLOY = "redeploy"
    LEAVE_TO_SYNCHRONIZE = "leave-to-synchronize"


# What a push to an environment's branch does, per environment type (docs/decisions/0001-push-routing.md).
# Previews follow their pull request's `synchronize`, which GitHub sends for the same push; redeploys are
# idempotent per (environment, sha), so flipping the preview row would still deploy each commit once.
PUSH_ROUTING: Mapping[EnvironmentType, PushAction] = {
    EnvironmentType.production: PushAction.REDEPLOY,
    EnvironmentType.preview: PushAction.LEAVE_TO_SYNCHRONIZE,
}

# Pull requests whose head lives in another repository run code written outside it; with the app's secrets
# that is not safe to deploy automatically, so they get no preview.
PREVIEW_FORK_PULL_REQUESTS = False


def push_redeploys(environment: Environment, branch: str, sha: str) -> bool:
    """A push of `sha` to `branch` redeploys this environment."""
    return (
        environment.branch == branch
        and PUSH_ROUTING[environment.type] is PushAction.REDEPLOY
        and needs_deploy(environment, sha)
    )


def needs_deploy(environment: Environment, sha: str) -> bool:
    """An automatic redeploy of `sha`: only for live environments, and once per (environment, sha)."""
    return environment.status != S.stopped and environment.deployed_sha != sha


def is_preview_of(environment: Environment, pr_number: int) -> bool:
    return environment.type == EnvironmentType.preview and environment.pr_number == pr_number


def is_stale(environment: Environment, now: datetime, stale_after: timedelta) -> bool:
    """A live preview untouched (no status change, no deploy) for at least `stale_after`."""
    return (
        environment.type == EnvironmentType.preview
        and environment.status != S.stopped
        and now - environment.updated_at >= stale_after
    )


@dataclass(frozen=True)
class ReportVerdict:
    """What to do with a runtime report: apply it, drop it as a repeat, or reject it with a reason."""

    apply: bool
    rejection: ReportRejectionReason | None = None


APPLY = ReportVerdict(apply=True)
REPEAT = ReportVerdict(apply=False)


def judge_report(environment: Environment | None, deployment_id: str, status: S) -> ReportVerdict:
    """Fence a report: unknown environment, stopped environment, old deployment, or a forbidden move."""
    if environment is None:
        return ReportVerdict(False, ReportRejectionReason.unknown_environment)
    if environment.status == S.stopped:
        return ReportVerdict(False, ReportRejectionReason.environment_stopped)
    if environment.deployment_id != deployment_id:
        return ReportVerdict(False, ReportRejectionReason.stale_deployment)
    if environment.status == status:
        return REPEAT  # the same report delivered twice
    if not allows(Trigger.REPORT, environment.status, status):
        return ReportVerdict(False, ReportRejectionReason.transition_not_allowed)
    return APPLY
