"""Fixtures and generic steps for every feature.

One `world` fixture drives every step. It comes from the `backend` fixture: `--backend sim` (the default,
`sim.world.World`), `local` (the local server's storage and worker), `eventbridge` (the AWS stack on a moto
server), or `--backend module:factory` for another implementation of `sim.world.WorldLike`.
`--chaos` (or WINGCLOUD_CHAOS=1) runs the same scenarios with duplicated, delayed and reordered deliveries.
"""

from __future__ import annotations

import importlib
import itertools
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from pytest_bdd import given, parsers, then, when

from events.models import EnvironmentStatus
from features import queries as q
from features.providers import PROVIDERS, Delivery
from ports import App
from sim.chaos import ChaosConfig
from sim.fakes import RuntimeScript
from sim.world import WorldLike

BACKENDS = {
    "sim": "sim.world:World",
    "local": "adapters.local.offline:world",
    "eventbridge": "adapters.eventbridge.offline.world:world",
}
TAGS = {
    "decision": "a scenario that states a recorded decision (docs/decisions/)",
    "derived_payload": "a scenario that edits a recorded GitHub payload (said in its step)",
    "rfc_bug": "a scenario that pins a bug of the original implementation the RFC names",
    "security": "a scenario about secrets",
}
_deliveries = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wingcloud features")
    group.addoption("--chaos", action="store_true", help="duplicate, delay and reorder bus deliveries")
    group.addoption("--chaos-seed", type=int, default=0, help="vary the per-scenario chaos seeds")
    group.addoption(
        "--backend", default="sim", help="sim, local, eventbridge, or module:factory returning a sim.world.WorldLike"
    )


def pytest_configure(config: pytest.Config) -> None:
    for tag, meaning in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {meaning}")


@pytest.fixture
def chaos(request: pytest.FixtureRequest) -> ChaosConfig | None:
    """Seeded per scenario, so a failure replays with the same seed."""
    if not (request.config.getoption("--chaos") or os.environ.get("WINGCLOUD_CHAOS") == "1"):
        return None
    seed = zlib.crc32(f"{request.config.getoption('--chaos-seed')}:{request.node.nodeid}".encode())
    return ChaosConfig(seed=seed, duplicate_rate=0.3, delay_rate=0.3, max_delay=timedelta(seconds=30))


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Callable[..., WorldLike]:
    """The factory of the world under test: `factory(chaos=ChaosConfig | None) -> WorldLike`."""
    target = BACKENDS.get(request.config.getoption("--backend"), request.config.getoption("--backend"))
    module, _, attribute = target.partition(":")
    factory: Callable[..., WorldLike] = getattr(importlib.import_module(module), attribute)
    return factory


@pytest.fixture
def world(backend: Callable[..., WorldLike], chaos: ChaosConfig | None) -> Iterator[WorldLike]:
    """wing.cloud, started; after the scenario, nothing may be left in the dead-letter queue."""
    started = backend(chaos=chaos)
    yield started
    letters = started.dead_letters()
    assert not letters, f"dead letters: {[(d.target, d.error_code, d.error_message) for d in letters]}"


@dataclass
class EdgeAnswer:
    """What an edge call answered: nothing, or the error the API/webhook endpoint would turn into a 4xx."""

    correlation_id: str | None = None
    error: Exception | None = None


@pytest.fixture
def answer() -> EdgeAnswer:
    """Replaced by the steps that call an edge (`target_fixture="answer"`)."""
    return EdgeAnswer()


def deliver(world: WorldLike, fixture: str, body: bytes | None = None, delivery_id: str | None = None) -> str:
    """Deliver a recorded (or derived) body under its X-GitHub-Event, then let the system settle."""
    delivery_id = delivery_id or f"delivery-{next(_deliveries):05d}"
    correlation_id = world.deliver_webhook(q.MANIFEST[fixture], body or q.fixture_bytes(fixture), delivery_id)
    world.run()
    return correlation_id


def deliver_via(world: WorldLike, delivery: Delivery, delivery_id: str | None = None) -> str:
    """Deliver a provider's webhook through its door, then let the system settle."""
    delivery_id = delivery_id or f"delivery-{next(_deliveries):05d}"
    correlation_id = world.deliver_at(delivery.door, delivery.name, delivery.body, delivery_id)
    world.run()
    return correlation_id


# --- Given ----------------------------------------------------------------------------------------------


@given(parsers.parse("the repository {repository} has {branch} at {sha}"))
def branch_head(world: WorldLike, repository: str, branch: str, sha: str) -> None:
    """GitHub knows the last commit of a branch."""
    world.github.set_branch_head(repository, branch, sha, "Initial commit")


@given(parsers.parse('an app "{name}" of {owner} on {repository}'), target_fixture="app")
def an_app(world: WorldLike, name: str, owner: str, repository: str) -> App:
    """An app on the repository's master branch, settled (its production environment is running)."""
    app = world.create_app(owner=owner, name=name, repository=repository, default_branch="master")
    world.run()
    return app


@given(parsers.parse("the {provider} repository {repository} has {branch} at {sha}"))
def provider_branch_head(world: WorldLike, provider: str, repository: str, branch: str, sha: str) -> None:
    """The provider (github or gitlab) knows the last commit of a branch."""
    PROVIDERS[provider].set_branch_head(world, repository, branch, sha)


@given(parsers.parse('a {provider} app "{name}" of {owner} on {repository}'), target_fixture="app")
def a_provider_app(world: WorldLike, provider: str, name: str, owner: str, repository: str) -> App:
    """An app on a repository of that provider (its master branch), settled."""
    app = world.create_app(owner=owner, name=name, repository=repository, default_branch="master", provider=provider)
    world.run()
    return app


@given(parsers.parse('the fake runtime plays "{script}"'))
def runtime_script(world: WorldLike, script: str) -> None:
    """Machines started from now on report: success, test-failure, compile-error or silent."""
    world.use_runtime_script(RuntimeScript(script))


@given(parsers.parse('fly.io refuses the next machine with "{message}"'))
def refuse_next_machine(world: WorldLike, message: str) -> None:
    """The next run_machine answers like a 4xx."""
    world.flyio.refuse_with = message


@given(parsers.parse('the webhook "{fixture}" was delivered'), target_fixture="answer")
def webhook_was_delivered(world: WorldLike, fixture: str) -> EdgeAnswer:
    """A recorded delivery, processed."""
    return EdgeAnswer(deliver(world, fixture))


def derived_pull_request(action: str, number: int, branch: str, sha: str) -> bytes:
    """DERIVED from pull_request.opened.json: another number, head branch or head sha (and action)."""
    payload = q.fixture_json("pull_request.opened.json")
    payload["action"] = action
    payload["number"] = payload["pull_request"]["number"] = number
    payload["pull_request"]["head"]["ref"] = branch
    payload["pull_request"]["head"]["sha"] = sha
    return q.as_body(payload)


@given(parsers.parse("pull request #{number:d} was opened from branch {branch} at {sha}"), target_fixture="answer")
def pull_request_opened_at(world: WorldLike, number: int, branch: str, sha: str) -> EdgeAnswer:
    """A derived `opened` delivery for another pull request, branch or commit."""
    return EdgeAnswer(deliver(world, "pull_request.opened.json", derived_pull_request("opened", number, branch, sha)))


@given(parsers.parse("pull request #{number:d} was reopened from branch {branch} at {sha}"), target_fixture="answer")
def pull_request_reopened_at(world: WorldLike, number: int, branch: str, sha: str) -> EdgeAnswer:
    """A derived `reopened` delivery for another pull request, branch or commit."""
    return EdgeAnswer(
        deliver(world, "pull_request.reopened.json", derived_pull_request("reopened", number, branch, sha))
    )


@given(parsers.parse("{days:d} days passed"))
def days_passed(world: WorldLike, days: int) -> None:
    """Virtual time moves on; hourly schedules fire."""
    world.advance(timedelta(days=days))


# --- When -----------------------------------------------------------------------------------------------


@when(parsers.parse('the webhook "{fixture}" is delivered'), target_fixture="answer")
def webhook_is_delivered(world: WorldLike, fixture: str) -> EdgeAnswer:
    """A recorded delivery, processed."""
    return EdgeAnswer(deliver(world, fixture))


@when(parsers.parse('the webhook "{fixture}" is delivered as "{delivery_id}"'), target_fixture="answer")
def webhook_delivered_as(world: WorldLike, fixture: str, delivery_id: str) -> EdgeAnswer:
    """A recorded delivery under a given X-GitHub-Delivery (GitHub reuses it for redeliveries)."""
    return EdgeAnswer(deliver(world, fixture, delivery_id=delivery_id))


@when(parsers.parse('the webhook "{fixture}" is delivered under another delivery id'), target_fixture="answer")
def webhook_delivered_again(world: WorldLike, fixture: str) -> EdgeAnswer:
    """The same body again, as a new delivery."""
    return EdgeAnswer(deliver(world, fixture))


@when(parsers.parse('the {provider} webhook "{fixture}" is delivered'), target_fixture="answer")
def provider_webhook_is_delivered(world: WorldLike, provider: str, fixture: str) -> EdgeAnswer:
    """A recorded delivery of that provider, through its door."""
    return EdgeAnswer(deliver_via(world, PROVIDERS[provider].recorded(fixture)))


@when(parsers.parse('the {provider} webhook "{fixture}" is delivered as "{delivery_id}"'), target_fixture="answer")
def provider_webhook_delivered_as(world: WorldLike, provider: str, fixture: str, delivery_id: str) -> EdgeAnswer:
    """A recorded delivery under a given delivery id (X-GitHub-Delivery, GitLab's Idempotency-Key)."""
    return EdgeAnswer(deliver_via(world, PROVIDERS[provider].recorded(fixture), delivery_id))


@when(
    parsers.parse("pull request #{number:d} on {provider} is opened from branch {branch} at {sha}"),
    target_fixture="answer",
)
def provider_pull_request_opened(
    world: WorldLike, app: App, number: int, provider: str, branch: str, sha: str
) -> EdgeAnswer:
    """DERIVED: the provider's opened pull request (GitLab: merge request) on the app's repository."""
    return EdgeAnswer(deliver_via(world, PROVIDERS[provider].opened(app.repository, number, branch, sha)))


@when(
    parsers.parse("commits up to {sha} are pushed to pull request #{number:d} on {provider}"),
    target_fixture="answer",
)
def provider_new_commits(world: WorldLike, app: App, sha: str, number: int, provider: str) -> EdgeAnswer:
    """DERIVED: GitHub's synchronize, GitLab's update with oldrev, from the live preview's branch and commit."""
    [live] = [e for e in world.environments() if e.pr_number == number and e.status != EnvironmentStatus.stopped]
    delivery = PROVIDERS[provider].new_commits(app.repository, number, live.branch, live.sha, sha)
    return EdgeAnswer(deliver_via(world, delivery))


@when(
    parsers.re(r"pull request #(?P<number>\d+) on (?P<provider>\w+) is (?P<how>closed|merged)$"),
    converters={"number": int},
    target_fixture="answer",
)
def provider_pull_request_closed(world: WorldLike, app: App, number: int, provider: str, how: str) -> EdgeAnswer:
    """DERIVED: the provider's close (`closed`) or merge (`merged`) of the pull request."""
    [env, *_] = sorted((e for e in world.environments() if e.pr_number == number), key=lambda e: e.created_at)
    delivery = PROVIDERS[provider].closed(app.repository, number, env.branch, env.sha, merged=how == "merged")
    return EdgeAnswer(deliver_via(world, delivery))


@when(
    parsers.parse('{sha} is pushed to {branch} of {repository} on {provider} with the message "{message}"'),
    target_fixture="answer",
)
def provider_pushed(
    world: WorldLike, sha: str, branch: str, repository: str, provider: str, message: str
) -> EdgeAnswer:
    """DERIVED: the provider's push of `sha` to `branch`, after the commit the branch had."""
    before = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    return EdgeAnswer(deliver_via(world, PROVIDERS[provider].pushed(repository, branch, before, sha, message)))


@when(parsers.parse("{days:d} days pass"))
def days_pass(world: WorldLike, days: int) -> None:
    """Virtual time moves on; hourly schedules fire."""
    world.advance(timedelta(days=days))


# --- Then -----------------------------------------------------------------------------------------------


@then(
    parsers.re(r'app "(?P<name>[^"]+)" has (?P<count>\d+) (?P<status>[a-z-]+ )?previews? for pull request #(?P<pr>\d+)')
)
def preview_count(world: WorldLike, name: str, count: str, status: str | None, pr: str) -> None:
    """How many previews (optionally in one status) an app has for a pull request."""
    found = q.previews(world, name, int(pr))
    if status:
        found = [e for e in found if e.status == EnvironmentStatus(status.strip())]
    assert len(found) == int(count), [(e.id, e.status) for e in q.previews(world, name, int(pr))]


@then(
    parsers.re(
        r'the (?P<which>live preview of "(?P<app>[^"]+)" for pull request #(?P<pr>\d+)|production environment of "(?P<prod>[^"]+)") is running at (?P<sha>[0-9a-f]{40}) on its (?P<n>\d+)(st|nd|rd|th) deployment'
    )
)
def running_at(
    world: WorldLike, which: str, app: str | None, pr: str | None, prod: str | None, sha: str, n: str
) -> None:
    """An environment runs a commit, on its n-th deployment (one deployment id per deploy)."""
    env = q.production(world, prod) if prod else q.live_preview(world, str(app), int(str(pr)))
    assert (env.status, env.sha) == (EnvironmentStatus.running, sha), (env.status, env.sha)
    deployments = q.deployments_of(world, env.id)
    assert len(deployments) == int(n) and deployments[-1] == env.deployment_id, deployments


@then(parsers.parse('the production environment of "{name}" is running'))
def production_running(world: WorldLike, name: str) -> None:
    """Production is unaffected."""
    assert q.production(world, name).status == EnvironmentStatus.running


@then("there are no environments")
def no_environments(world: WorldLike) -> None:
    """Nothing was created (or everything was deleted)."""
    assert world.environments() == []


@then(parsers.parse("the delivery caused {detail_types}"))
def delivery_caused(world: WorldLike, answer: EdgeAnswer, detail_types: str) -> None:
    """Each of these events was published under the delivery's correlation id (siblings run in any order)."""
    published = q.caused_by(world, str(answer.correlation_id))
    missing = [t.strip() for t in detail_types.split(",") if t.strip() not in published]
    assert not missing, (missing, published)


@then("the delivery published only WebhookIgnored")
def caused_only_ignored(world: WorldLike, answer: EdgeAnswer) -> None:
    """An ignored delivery publishes its reason and nothing else."""
    assert q.caused_by(world, str(answer.correlation_id)) == ["WebhookIgnored"]


@then(parsers.parse('the delivery was ignored because "{reason}"'))
def ignored_because(world: WorldLike, answer: EdgeAnswer, reason: str) -> None:
    """WebhookIgnored says why."""
    [ignored] = [
        d for d in q.details(world, "WebhookIgnored") if d["metadata"]["correlation_id"] == answer.correlation_id
    ]
    assert reason in ignored["reason"], ignored["reason"]


@then(parsers.parse("no {detail_type} was published"))
def none_published(world: WorldLike, detail_type: str) -> None:
    """Not a single event of this type."""
    assert q.details(world, detail_type) == []


@then(parsers.parse("{detail_type} was published {count:d} time"))
@then(parsers.parse("{detail_type} was published {count:d} times"))
def published_times(world: WorldLike, detail_type: str, count: int) -> None:
    """Exactly this many events of this type."""
    assert len(q.details(world, detail_type)) == count


@then(parsers.parse("{detail_type} was published {count:d} time for a preview"))
def published_times_for_previews(world: WorldLike, detail_type: str, count: int) -> None:
    """Exactly this many events of this type about previews."""
    assert len([d for d in q.details(world, detail_type) if d.get("type") == "preview"]) == count


@then(parsers.parse("no {detail_type} was published for a preview"))
def none_published_for_previews(world: WorldLike, detail_type: str) -> None:
    """Not a single event of this type about a preview."""
    assert [d for d in q.details(world, detail_type) if d.get("type") == "preview"] == []


@then("every preview for pull request #2 is stopped")
def every_preview_stopped(world: WorldLike) -> None:
    """No live preview is left for the pull request."""
    found = [e for e in world.environments() if e.pr_number == 2]
    assert found and all(e.status == EnvironmentStatus.stopped for e in found), found


@then(parsers.parse("each preview for pull request #{pr:d} was stopped once, because {reason}"))
def each_stopped_once(world: WorldLike, pr: int, reason: str) -> None:
    """One EnvironmentStopped per preview, with the reason; never a second."""
    found = [e for e in world.environments() if e.pr_number == pr]
    assert found
    for env in found:
        assert [d["reason"] for d in q.about(world, "EnvironmentStopped", env.id)] == [reason], env.id


@then("no DNS record of a preview remains")
def no_preview_dns(world: WorldLike) -> None:
    """Every preview's names are gone from the zone."""
    for env in world.environments():
        if env.pr_number is not None:
            assert q.dns_labels(world, env.id) == [], env.id


@then("fly.io destroyed the app of every preview")
def fly_apps_of_previews_destroyed(world: WorldLike) -> None:
    """Each preview's fly.io app is gone."""
    for env in world.environments():
        if env.pr_number is not None:
            assert "wc-" + env.id.replace("_", "-") in world.flyio.destroyed
            assert "wc-" + env.id.replace("_", "-") not in world.flyio.apps


@then(parsers.parse('the comment of "{name}" on pull request #{pr:d} of {repository} shows "{text}"'))
def comment_shows(world: WorldLike, name: str, pr: int, repository: str, text: str) -> None:
    """The app's single comment on the pull request (found by its heading: the app may be gone) says this."""
    [comment] = [c for c in world.github.comments_on(repository, pr) if f"### wing.cloud · {name}\n" in c.body]
    assert text in comment.body, comment.body


@then(parsers.parse('the {provider} comment of "{name}" on pull request #{pr:d} of {repository} shows "{text}"'))
def provider_comment_shows(world: WorldLike, provider: str, name: str, pr: int, repository: str, text: str) -> None:
    """The app's one comment (GitLab: note) on the pull request, at that provider, says this."""
    [said] = [body for body in PROVIDERS[provider].said(world, repository, pr) if f"### wing.cloud · {name}\n" in body]
    assert text in said, said


@then(parsers.parse("nothing was said on {provider}"))
def nothing_said(world: WorldLike, provider: str) -> None:
    """No comment (or note) was posted to that provider, nor asked for."""
    assert not PROVIDERS[provider].said_anything(world)


@then(parsers.parse('the comment of "{name}" on pull request #{pr:d} of {repository} links no endpoints'))
def comment_without_endpoints(world: WorldLike, name: str, pr: int, repository: str) -> None:
    """A stopped preview's row keeps its console link but no longer links its public names."""
    [comment] = [c for c in world.github.comments_on(repository, pr) if f"### wing.cloud · {name}\n" in c.body]
    assert f".{q.ZONE})" not in comment.body, comment.body
    assert ("/#environment=env_" in comment.body) is world.settings.console_page, comment.body


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} is stopped'))
def preview_stopped(world: WorldLike, name: str, pr: int) -> None:
    """The latest preview is stopped."""
    assert q.latest_preview(world, name, pr).status == EnvironmentStatus.stopped


@then(parsers.parse("no preview for pull request #{pr:d} lists endpoints"))
def previews_list_no_endpoints(world: WorldLike, pr: int) -> None:
    """A stopped preview serves nothing: the console must not link its old URLs."""
    found = [e for e in world.environments() if e.pr_number == pr]
    assert found and all(e.endpoints == () for e in found), [(e.id, e.status, e.endpoints) for e in found]


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} has no DNS records'))
def preview_without_dns(world: WorldLike, name: str, pr: int) -> None:
    """No record in the zone for the latest preview."""
    assert q.dns_labels(world, q.latest_preview(world, name, pr).id) == []


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} has DNS records {labels}'))
def preview_dns(world: WorldLike, name: str, pr: int, labels: str) -> None:
    """The zone holds exactly these labels for the latest preview."""
    expected = sorted(label.strip() for label in labels.split(","))
    assert q.dns_labels(world, q.latest_preview(world, name, pr).id) == expected


@then(parsers.parse("the report was rejected because {reason}"))
def report_rejected(world: WorldLike, reason: str) -> None:
    """The report was recorded as rejected, not applied."""
    rejected = q.details(world, "EnvironmentReportRejected")
    assert rejected and {d["reason"] for d in rejected} == {reason}, rejected
