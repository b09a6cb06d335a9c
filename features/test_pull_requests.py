"""Steps of pull_requests.feature."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, scenarios, then, when

from events.models import EnvironmentStatus
from features import queries as q
from features.conftest import EdgeAnswer, deliver
from sim.world import WorldLike

scenarios("pull_requests.feature")


@when(parsers.parse("pull request #{number:d} is opened from the fork {fork}"), target_fixture="answer")
def fork_pull_request(world: WorldLike, number: int, fork: str) -> EdgeAnswer:
    """DERIVED from pull_request.opened.json: the head branch lives in `fork`."""
    payload = q.fixture_json("pull_request.opened.json")
    payload["pull_request"]["head"]["repo"]["full_name"] = fork
    payload["pull_request"]["head"]["repo"]["owner"]["login"] = fork.split("/")[0]
    payload["pull_request"]["head"]["label"] = f"{fork.split('/')[0]}:{payload['pull_request']['head']['ref']}"
    return EdgeAnswer(deliver(world, "pull_request.opened.json", q.as_body(payload)))


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} follows branch {branch} at {sha}'))
def preview_follows(world: WorldLike, name: str, pr: int, branch: str, sha: str) -> None:
    """The preview tracks the pull request's head."""
    env = q.live_preview(world, name, pr)
    assert (env.branch, env.sha, env.deployed_sha, env.repository) == (branch, sha, sha, "Codertocat/Hello-World")


@then(parsers.parse('fly.io runs {count:d} machine for the preview of "{name}" for pull request #{pr:d}'))
def machines_of_preview(world: WorldLike, count: int, name: str, pr: int) -> None:
    """One machine per deployment, in the preview's own fly.io app."""
    env = q.live_preview(world, name, pr)
    fly_app = world.flyio.apps["wc-" + env.id.replace("_", "-")]
    assert list(fly_app.machines) == [env.deployment_id][:count] and len(fly_app.machines) == count


@then(parsers.parse("pull request #{pr:d} of {repository} has {count:d} comments, one per app"))
def one_comment_per_app(world: WorldLike, pr: int, repository: str, count: int) -> None:
    """Each app keeps its own comment, listing its own preview."""
    comments = world.github.comments_on(repository, pr)
    assert len(comments) == count
    for app in world.apps():
        [mine] = [c for c in comments if app.id in c.marker]
        [preview] = q.previews(world, app.name, pr)
        # its console link names it; without a console page (AWS), its public names do
        named = preview.id if world.settings.console_page else preview.id.replace("_", "-")
        assert named in mine.body and f"### wing.cloud · {app.name}" in mine.body, mine.body


@then(parsers.parse('the first preview of "{name}" was not touched after it stopped'))
def first_preview_untouched(world: WorldLike, name: str) -> None:
    """The oldest preview stayed stopped: stopped once, nothing deployed or changed after its stop."""
    first = q.previews(world, name, 2)[0]
    assert first.status == EnvironmentStatus.stopped
    # Publish order, not `occurred_at`: the virtual clock stands still while a scenario settles.
    about_first = [e.detail_type for e in world.events() if e.detail.get("environment_id") == first.id]
    assert about_first.count("EnvironmentStopped") == 1
    after_stop = about_first[about_first.index("EnvironmentStopped") + 1 :]
    assert not {"EnvironmentStatusChanged", "EnvironmentDeployRequested"} & set(after_stop), after_stop
    assert len(q.deployments_of(world, first.id)) == 1


@then("the logs of every preview are purged")
def preview_logs_purged(world: WorldLike) -> None:
    """A stopped preview's deployment log is deleted; it had one while it ran."""
    previews = [e for e in world.environments() if e.pr_number is not None]
    assert previews and all(world.logs(e.id) == "" for e in previews)
    assert all(q.about(world, "RuntimeStatusReported", e.id) for e in previews)


# --- edge cases (issue 16; decisions in docs/decisions/0011-edge-cases.md) -------------------------------


def _derived(action: str, number: int, branch: str, sha: str, **changes: Any) -> bytes:
    """DERIVED from pull_request.opened.json: another action, number, head, base or repository."""
    payload = q.fixture_json("pull_request.opened.json")
    payload["action"] = action
    payload["number"] = payload["pull_request"]["number"] = number
    payload["pull_request"]["head"].update(ref=branch, sha=sha)
    if "base" in changes:
        payload["pull_request"]["base"]["ref"] = changes["base"]
    if "repository" in changes:
        name = changes["repository"].split("/")[1]
        for repo in (
            payload["repository"],
            payload["pull_request"]["head"]["repo"],
            payload["pull_request"]["base"]["repo"],
        ):
            repo.update(full_name=changes["repository"], name=name)
    if action == "synchronize":
        payload["before"], payload["after"] = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", sha
    return q.as_body(payload)


@when(parsers.parse("pull request #{number:d} gets new commits at {sha}"), target_fixture="answer")
def new_commits(world: WorldLike, number: int, sha: str) -> EdgeAnswer:
    body = _derived("synchronize", number, "changes", sha)
    return EdgeAnswer(deliver(world, "pull_request.synchronize.json", body))


@when(parsers.parse("pull request #{number:d} is reopened from branch {branch} at {sha}"), target_fixture="answer")
def reopened(world: WorldLike, number: int, branch: str, sha: str) -> EdgeAnswer:
    return EdgeAnswer(deliver(world, "pull_request.reopened.json", _derived("reopened", number, branch, sha)))


@when(
    parsers.parse("pull request #{number:d} is opened on the renamed repository {repository}"), target_fixture="answer"
)
def opened_on_renamed(world: WorldLike, number: int, repository: str) -> EdgeAnswer:
    body = _derived("opened", number, "changes", "ec26c3e57ca3a959ca5aad62de7213c562f8c821", repository=repository)
    return EdgeAnswer(deliver(world, "pull_request.opened.json", body))


@when(
    parsers.parse("pull request #{number:d} into {base} is opened from branch {branch} at {sha}"),
    target_fixture="answer",
)
def opened_into(world: WorldLike, number: int, base: str, branch: str, sha: str) -> EdgeAnswer:
    return EdgeAnswer(deliver(world, "pull_request.opened.json", _derived("opened", number, branch, sha, base=base)))


@when(parsers.parse("pull request #{number:d} is closed"), target_fixture="answer")
def closed(world: WorldLike, number: int) -> EdgeAnswer:
    payload = q.fixture_json("pull_request.closed.json")
    payload["number"] = payload["pull_request"]["number"] = number
    return EdgeAnswer(deliver(world, "pull_request.closed.json", q.as_body(payload)))


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} has DNS records for website and api'))
def preview_dns(world: WorldLike, name: str, pr: int) -> None:
    """Slashes and dots of the branch never reach a DNS label: labels come from endpoints and the env id."""
    env = q.live_preview(world, name, pr)
    assert q.dns_labels(world, env.id) == ["api", "website"]


@then(parsers.parse('the production environment of "{name}" was never stopped'))
def production_never_stopped(world: WorldLike, name: str) -> None:
    env = q.production(world, name)
    assert q.about(world, "EnvironmentStopped", env.id) == []
    assert len(q.deployments_of(world, env.id)) == 1
