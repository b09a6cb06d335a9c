"""The RFC's workflows and the scenario whose traced run documents each one.

`feature` is relative to the repository root and `scenario` is the scenario's name in it (the first example
of a Scenario Outline documents it). `entries` names the detail-types that start the workflow: the diagrams
keep the correlations whose edge event (one without a cause) has one of them, so the Given steps that set
the world up (an app created, say) stay out of the picture. With `follow`, they keep every record from the
first such edge event on, whatever its correlation: runtime reports are correlated by deployment, not by the
webhook that asked for it. An empty `entries` keeps the whole trace.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Workflow:
    name: str
    title: str
    summary: str
    feature: str
    scenario: str
    entries: tuple[str, ...]
    follow: bool = False


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow(
        name="pull-request-opened",
        title="Pull request opened",
        summary="A pull request is opened on a repository bound to an app: the environment manager creates a "
        "preview environment for the head branch and asks for a deploy; the runtime provisions it.",
        feature="features/pull_requests.feature",
        scenario="A pull request on a repository with one app gets a running preview",
        entries=("PullRequestOpened",),
    ),
    Workflow(
        name="pull-request-reopened",
        title="Pull request reopened",
        summary="A closed pull request is reopened: a new preview environment is created and deployed; the "
        "stopped one is left alone.",
        feature="features/pull_requests.feature",
        scenario="A reopened pull request gets a new preview and the stopped one is left alone",
        entries=("PullRequestReopened",),
    ),
    Workflow(
        name="pull-request-synchronized",
        title="Pull request synchronized",
        summary="New commits on a pull request's head branch: every live preview of that pull request is "
        "redeployed; stopped ones and other pull requests' previews are not.",
        feature="features/pull_requests.feature",
        scenario="Synchronize redeploys only the live previews of that pull request",
        entries=("PullRequestSynchronized",),
    ),
    Workflow(
        name="pull-request-closed",
        title="Pull request closed",
        summary="A pull request is closed, merged or not (here delivered twice): every preview of it that is "
        "not stopped is stopped once; runtime, DNS records and logs follow, and the comment says so.",
        feature="features/pull_requests.feature",
        scenario="Closing a pull request stops its previews, merged or not, and skips stopped ones",
        entries=("PullRequestClosed",),
    ),
    Workflow(
        name="branch-pushed",
        title="Branch pushed",
        summary="Commits are pushed to the default branch: the app records its last commit and production is "
        "redeployed (previews follow their pull request's synchronize; see decisions/0001).",
        feature="features/push.feature",
        scenario="A push to the default branch redeploys production and records the last commit",
        entries=("BranchPushed",),
    ),
    Workflow(
        name="app-created",
        title="App created",
        summary="A user creates an app bound to a repository: a production environment for its default "
        "branch is created and deployed.",
        feature="features/apps.feature",
        scenario="Creating an app gives it a running production environment",
        entries=("AppCreated",),
    ),
    Workflow(
        name="app-deleted",
        title="App deleted",
        summary="A user deletes an app: every environment of it is stopped and deleted, its runtime destroyed "
        "and its DNS records removed.",
        feature="features/apps.feature",
        scenario="Deleting an app stops and deletes every environment and cleans DNS",
        entries=("AppDeleted",),
    ),
    Workflow(
        name="deploy-to-running",
        title="Deploy to running",
        summary="A preview deploys to the end: the runtime provisions the machine and reports deploying, "
        "running tests, running the server and running with endpoints; DNS records, the pull-request "
        "comment, logs and the console follow each status.",
        feature="features/deployments.feature",
        scenario="A preview deploys to running with endpoints, DNS records, a PR comment, logs and console updates",
        entries=("PullRequestOpened",),
        follow=True,
    ),
    Workflow(
        name="stop",
        title="Stop, and a late report",
        summary="A preview is stopped (its pull request closed): runtime destroyed, DNS records removed, logs "
        "purged. A runtime report that arrives after the stop is recorded and rejected; it does not revive "
        "the environment, as it did in the original.",
        feature="features/deployments.feature",
        scenario="A late report after a stop is rejected and does not revive the environment",
        entries=("PullRequestClosed",),
        follow=True,
    ),
    Workflow(
        name="stop-requested",
        title="Stopped by a user",
        summary="A user stops a running preview from the API or the console: the api service asks the "
        "environment manager, which stops it (reason `manual`); runtime destroyed, DNS records removed, logs "
        "purged, the pull-request comment updated.",
        feature="features/deployments.feature",
        scenario="A user stops a running preview: runtime, DNS records and logs follow",
        entries=("EnvironmentStopRequested",),
    ),
)
