"""Steps of deployments.feature."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from events.models import Endpoint, EnvironmentStatus
from features import queries as q
from features.conftest import EdgeAnswer, deliver
from ports import RuntimeReport
from services.api import RedeployRefusedError, StopRefusedError
from sim.fakes import RuntimeScript
from sim.world import WorldLike

scenarios("deployments.feature")

RUNNING_ENDPOINTS = (("website", "https://{app}.fly.dev/"), ("api", "https://{app}.fly.dev/api"))


def fly_app(environment_id: str) -> str:
    return "wc-" + environment_id.replace("_", "-")


def redeploy(world: WorldLike, name: str, pr: int) -> EdgeAnswer:
    try:
        world.request_redeploy(q.latest_preview(world, name, pr).id, "codertocat")
    except RedeployRefusedError as error:
        return EdgeAnswer(error=error)
    world.run()
    return EdgeAnswer()


def stop(world: WorldLike, name: str, pr: int) -> EdgeAnswer:
    try:
        world.request_stop(q.latest_preview(world, name, pr).id, "codertocat")
    except StopRefusedError as error:
        return EdgeAnswer(error=error)
    world.run()
    return EdgeAnswer()


def running_report(world: WorldLike, environment_id: str, deployment_id: str) -> RuntimeReport:
    app = fly_app(environment_id)
    endpoints = tuple(Endpoint(label=label, url=url.format(app=app)) for label, url in RUNNING_ENDPOINTS)
    return RuntimeReport(environment_id, deployment_id, "running", endpoints=endpoints)


# --- Given / When ---------------------------------------------------------------------------------------


@given(parsers.parse('codertocat asked to redeploy the preview of "{name}" for pull request #{pr:d}'))
def asked_to_redeploy(world: WorldLike, name: str, pr: int) -> None:
    """A manual redeploy that went through."""
    assert redeploy(world, name, pr).error is None


@when(
    parsers.parse('codertocat asks to redeploy the preview of "{name}" for pull request #{pr:d}'),
    target_fixture="answer",
)
def asks_to_redeploy(world: WorldLike, name: str, pr: int) -> EdgeAnswer:
    """Through the API: accepted (then everything settles) or refused at once."""
    return redeploy(world, name, pr)


@when(
    parsers.parse('codertocat asks to stop the preview of "{name}" for pull request #{pr:d}'),
    target_fixture="answer",
)
def asks_to_stop(world: WorldLike, name: str, pr: int) -> EdgeAnswer:
    """Through the API: accepted (then everything settles) or refused at once."""
    return stop(world, name, pr)


@given(parsers.parse('the preview of "{name}" for pull request #{pr:d} is still deploying'))
def preview_deploying(world: WorldLike, name: str, pr: int) -> None:
    """A preview whose runtime reported `deploying` and nothing since."""
    world.use_runtime_script(RuntimeScript.SILENT)
    deliver(world, "pull_request.opened.json")
    env = q.latest_preview(world, name, pr)
    world.report(RuntimeReport(env.id, str(env.deployment_id), "deploying"))
    world.run()


@given(parsers.parse('the preview of "{name}" for pull request #{pr:d} is stopped'))
def preview_is_stopped(world: WorldLike, name: str, pr: int) -> None:
    """A preview that ran and whose pull request closed."""
    deliver(world, "pull_request.opened.json")
    deliver(world, "pull_request.closed.json")


@given(parsers.parse('the runtime reported {statuses} for the preview of "{name}" for pull request #{pr:d}'))
def runtime_reported(world: WorldLike, statuses: str, name: str, pr: int) -> None:
    """Reports of the preview's current deployment, one after the other."""
    env = q.latest_preview(world, name, pr)
    for status in statuses.split(", "):
        world.report(RuntimeReport(env.id, str(env.deployment_id), status.strip()))
        world.run()


@when(
    parsers.parse(
        'the runtime reports {status} for the current deployment of the preview of "{name}" for pull request #{pr:d}'
    )
)
def report_current(world: WorldLike, status: str, name: str, pr: int) -> None:
    """A report of the preview's current deployment arrives (late, after the stop)."""
    env = q.latest_preview(world, name, pr)
    world.report(
        running_report(world, env.id, str(env.deployment_id))
        if status == "running"
        else RuntimeReport(env.id, str(env.deployment_id), status)
    )
    world.run()


@when(
    parsers.re(
        r'the runtime reports (?P<status>[a-z-]+) for the (?P<n>\d+)(st|nd|rd|th) deployment of the preview of "(?P<name>[^"]+)" for pull request #(?P<pr>\d+)'
    )
)
def report_nth(world: WorldLike, status: str, n: str, name: str, pr: str) -> None:
    """A report of an earlier deployment of the preview arrives."""
    env = q.latest_preview(world, name, int(pr))
    deployment_id = q.deployments_of(world, env.id)[int(n) - 1]
    world.report(RuntimeReport(env.id, deployment_id, status, error_message="late failure of an old machine"))
    world.run()


@when(parsers.parse("the running report and the close of pull request #{pr:d} arrive together, {first} first"))
def race(world: WorldLike, pr: int, first: str) -> None:
    """Both are published before anything is delivered; then everything settles."""
    env = q.live_preview(world, "hello", pr)
    report = running_report(world, env.id, str(env.deployment_id))
    close = q.fixture_bytes("pull_request.closed.json")
    if first == "the report":
        world.report(report)
    world.deliver_webhook("pull_request", close, "race-close")
    if first == "the close":
        world.report(report)
    world.run()


# --- Then -----------------------------------------------------------------------------------------------


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} went through {statuses}'))
def went_through(world: WorldLike, name: str, pr: int, statuses: str) -> None:
    """The statuses the environment manager published for the preview, in order."""
    env = q.latest_preview(world, name, pr)
    seen = [d["status"] for d in q.about(world, "EnvironmentStatusChanged", env.id)]
    assert seen == [s.strip() for s in statuses.split(",")]
    assert env.status == EnvironmentStatus(seen[-1])


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} serves website and api on fly.dev'))
def serves_endpoints(world: WorldLike, name: str, pr: int) -> None:
    """The running report's endpoints are the environment's."""
    env = q.live_preview(world, name, pr)
    app = fly_app(env.id)
    assert [(e.label, e.url) for e in env.endpoints] == [
        (label, url.format(app=app)) for label, url in RUNNING_ENDPOINTS
    ]


@then(
    parsers.parse(
        'the comment of "{name}" on pull request #{pr:d} of {repository} links the preview\'s DNS names and its console page where there is one'
    )
)
def comment_links(world: WorldLike, name: str, pr: int, repository: str) -> None:
    """Public names from DNS, and the console page of the environment."""
    env = q.live_preview(world, name, pr)
    [comment] = world.github.comments_on(repository, pr)
    slug = env.id.replace("_", "-")
    assert f"[website](https://website-{slug}.{q.ZONE})" in comment.body
    assert f"[api](https://api-{slug}.{q.ZONE})" in comment.body
    console = f"[{env.id}]({world.settings.console_url}/#environment={env.id})"
    if world.settings.console_page:
        assert console in comment.body
    else:  # AWS: the ingress has no console page to link to
        assert "#environment=" not in comment.body and "| Console |" not in comment.body, comment.body
    assert len(world.github.called("upsert_pull_request_comment")) == len(world.events("PullRequestCommentUpserted"))


@then(parsers.parse('the log of the preview of "{name}" for pull request #{pr:d} shows "{text}"'))
def log_shows(world: WorldLike, name: str, pr: int, text: str) -> None:
    """The current deployment's log."""
    env = q.latest_preview(world, name, pr)
    log = world.logs(env.id)
    assert text in log and f"deploy {env.deployment_id}" in log


@then(parsers.parse('the log of the preview of "{name}" for pull request #{pr:d} shows only its current deployment'))
def log_only_current(world: WorldLike, name: str, pr: int) -> None:
    """The previous deployment's log was cleared by the redeploy."""
    env = q.latest_preview(world, name, pr)
    first, current = q.deployments_of(world, env.id)
    log = world.logs(env.id)
    assert f"deploy {current}" in log and first not in log and log.count(" running\n") == 1


@then(parsers.parse('the console feed shows the preview of "{name}" for pull request #{pr:d} running'))
def feed_shows_running(world: WorldLike, name: str, pr: int) -> None:
    """notifications pushed the status change to the console."""
    env = q.live_preview(world, name, pr)
    items = [i for i in world.feed() if i.kind == "EnvironmentStatusChanged" and i.subject == env.id]
    assert [i.summary for i in items if i.data["status"] == "running"] == [
        f"EnvironmentStatusChanged {env.id} (status=running, branch=changes)"
    ]


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} has a failed test "{path}"'))
def failed_test(world: WorldLike, name: str, pr: int, path: str) -> None:
    """Test results are kept on the environment."""
    env = q.live_preview(world, name, pr)
    assert [(t.path, t.passed) for t in env.test_results] == [(path, False)]


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} is in error with "{message}"'))
def in_error(world: WorldLike, name: str, pr: int, message: str) -> None:
    """The environment is in error and says why."""
    env = q.latest_preview(world, name, pr)
    assert env.status == EnvironmentStatus.error and message in str(env.error_message)


@then(parsers.parse("the redeploy is refused because the preview is {status}"))
def redeploy_refused(world: WorldLike, answer: EdgeAnswer, status: str) -> None:
    """The API answers at once, naming the status; nothing is published."""
    assert isinstance(answer.error, RedeployRefusedError), answer
    assert answer.error.status == EnvironmentStatus(status) and f"is {status};" in str(answer.error)
    assert world.events("EnvironmentRedeployRequested") == []


@then(parsers.parse("the stop is refused because the preview is {status}"))
def stop_refused(world: WorldLike, answer: EdgeAnswer, status: str) -> None:
    """The API answers at once, naming the status; nothing is published."""
    assert isinstance(answer.error, StopRefusedError), answer
    assert answer.error.status == EnvironmentStatus(status) and f"is {status};" in str(answer.error)
    assert world.events("EnvironmentStopRequested") == []


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} is still on its 1st deployment'))
def still_first_deployment(world: WorldLike, name: str, pr: int) -> None:
    """No deploy was requested after the first."""
    env = q.latest_preview(world, name, pr)
    assert q.deployments_of(world, env.id) == [env.deployment_id]


@when(parsers.parse("the branch {branch} of {repository} is deleted"), target_fixture="answer")
def branch_deleted_now(world: WorldLike, branch: str, repository: str) -> EdgeAnswer:
    """The push that deletes a branch (push.feature's step, here before the runtime has reported)."""
    from features.test_push import branch_deleted

    return branch_deleted(world, branch, repository)
