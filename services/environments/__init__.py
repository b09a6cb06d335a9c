"""environments: the environment manager, the only writer of environment status.

Routes pull requests, pushes and app changes to environments, and fences the runtime's reports with the
transition table and the deployment id (`rules.py`).
"""

from __future__ import annotations

from events import (
    AppCreated,
    AppDeleted,
    AppEntrypointChanged,
    BranchPushed,
    CleanupDue,
    EnvironmentRedeployRequested,
    EnvironmentStopRequested,
    PullRequestClosed,
    PullRequestOpened,
    PullRequestReopened,
    PullRequestSynchronized,
    RuntimeProvisioned,
    RuntimeProvisioningFailed,
    RuntimeStatusReported,
)
from ports import ServiceDefinition
from services.environments import apps, commands, pull_requests, reports

SERVICE = ServiceDefinition(
    name="environments",
    handlers={
        PullRequestOpened: pull_requests.open_previews,
        PullRequestReopened: pull_requests.open_previews,
        PullRequestSynchronized: pull_requests.redeploy_previews,
        PullRequestClosed: pull_requests.stop_previews,
        BranchPushed: apps.route_push,
        AppCreated: apps.open_production,
        AppDeleted: apps.retire_app_environments,
        AppEntrypointChanged: apps.redeploy_with_new_entrypoint,
        EnvironmentRedeployRequested: commands.redeploy_on_request,
        EnvironmentStopRequested: commands.stop_on_request,
        CleanupDue: commands.stop_stale_previews,
        RuntimeProvisioned: reports.record_provisioning,
        RuntimeProvisioningFailed: reports.fail_provisioning,
        RuntimeStatusReported: reports.apply_status_report,
    },
)

__all__ = ["SERVICE"]
