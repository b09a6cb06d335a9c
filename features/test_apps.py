"""Steps of apps.feature."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from events.models import EnvironmentStatus
from features import queries as q
from features.conftest import EdgeAnswer, deliver
from ports import Environment, MachineSpec
from services.apps import InvalidAppError
from sim.world import WorldLike

scenarios("apps.feature")

VALID = {
    "owner": "codertocat",
    "name": "hello",
    "repository": "Codertocat/Hello-World",
    "default_branch": "master",
    "entrypoint": "main.w",
}


@when(parsers.parse('codertocat creates the app "{name}" on {repository} with entrypoint {entrypoint}'))
def create_the_app(world: WorldLike, name: str, repository: str, entrypoint: str) -> None:
    """An app through the API, then everything settles."""
    world.create_app(
        owner="codertocat", name=name, repository=repository, default_branch="master", entrypoint=entrypoint
    )
    world.run()


@when(parsers.parse('codertocat creates an app with {field} "{value}"'), target_fixture="answer")
def create_an_invalid_app(world: WorldLike, field: str, value: str) -> EdgeAnswer:
    """An app with one field changed from a valid one."""
    try:
        world.create_app(**{**VALID, field: value})  # type: ignore[arg-type]
    except InvalidAppError as error:
        return EdgeAnswer(error=error)
    return EdgeAnswer()


@when(parsers.parse('the app "{name}" is deleted'))
def delete_the_app(world: WorldLike, name: str) -> None:
    """Through the API, then everything settles."""
    world.delete_app(q.app_named(world, name).id)
    world.run()


@when(parsers.parse('the entrypoint of "{name}" is changed to {entrypoint}'))
def change_the_entrypoint(world: WorldLike, name: str, entrypoint: str) -> None:
    """Through the API, then everything settles."""
    world.change_entrypoint(q.app_named(world, name).id, entrypoint)
    world.run()


@then(parsers.parse("the app is refused because of its {field}"))
def refused_because_of(answer: EdgeAnswer, field: str) -> None:
    """InvalidAppError names the field."""
    assert isinstance(answer.error, InvalidAppError), answer
    assert answer.error.field == field and str(answer.error).startswith(f"{field}: ")


@then("there are no apps")
def no_apps(world: WorldLike) -> None:
    """Nothing was stored or published."""
    assert world.apps() == [] and world.events("AppCreated") == []


@then(parsers.parse('the production environment of "{name}" follows branch {branch}'))
def production_branch(world: WorldLike, name: str, branch: str) -> None:
    """Production follows the default branch and has no pull request."""
    env = q.production(world, name)
    assert (env.branch, env.pr_number) == (branch, None)


@then(parsers.parse('the production environment of "{name}" has DNS records {labels}'))
def production_dns(world: WorldLike, name: str, labels: str) -> None:
    """The zone holds exactly these labels for production."""
    assert q.dns_labels(world, q.production(world, name).id) == sorted(x.strip() for x in labels.split(","))


@then("no pull request comment was posted")
def no_comment(world: WorldLike) -> None:
    """Production has no pull request to comment on."""
    assert world.github.comments == {} and world.events("PullRequestCommentUpserted") == []


@then(parsers.parse("{count:d} environments were stopped because {reason}, then deleted"))
def stopped_then_deleted(world: WorldLike, count: int, reason: str) -> None:
    """Each environment: one EnvironmentStopped with the reason, then one EnvironmentDeleted."""
    stopped = q.details(world, "EnvironmentStopped")
    deleted = q.details(world, "EnvironmentDeleted")
    assert sorted(d["environment_id"] for d in stopped) == sorted(d["environment_id"] for d in deleted)
    assert len(stopped) == count and {d["reason"] for d in stopped} == {reason}


@then("fly.io destroyed the app of every environment it ran")
def every_fly_app_destroyed(world: WorldLike) -> None:
    """No fly.io app is left."""
    assert world.flyio.apps == {} and len(world.flyio.destroyed) == len(q.details(world, "EnvironmentDeleted"))


@then("no DNS record remains")
def zone_is_empty(world: WorldLike) -> None:
    """Every record of every environment is gone."""
    assert world.dns.names(q.ZONE) == []


@then(parsers.parse('the latest machine of every environment of "{name}" runs entrypoint {entrypoint}'))
def machines_run_entrypoint(world: WorldLike, name: str, entrypoint: str) -> None:
    """The redeploy carried the new entrypoint to fly.io."""
    envs = world.environments(q.app_named(world, name).id)
    assert len(envs) == 2
    for env in envs:
        assert env.status == EnvironmentStatus.running
        fly_app = world.flyio.apps["wc-" + env.id.replace("_", "-")]
        spec = fly_app.specs[fly_app.machines[str(env.deployment_id)]]
        assert spec.env["ENTRYPOINT"] == entrypoint


# --- edge cases (issue 16; decisions in docs/decisions/0011-edge-cases.md) -------------------------------


@given(parsers.parse("pull request #{number:d} was closed"))
def pull_request_closed(world: WorldLike, number: int) -> None:
    """DERIVED from pull_request.closed.json: another pull request number."""
    payload = q.fixture_json("pull_request.closed.json")
    payload["number"] = payload["pull_request"]["number"] = number
    deliver(world, "pull_request.closed.json", q.as_body(payload))


@then(parsers.parse('the production environment of "{name}" runs entrypoint {entrypoint}'))
def production_runs(world: WorldLike, name: str, entrypoint: str) -> None:
    env = q.production(world, name)
    assert env.status == EnvironmentStatus.running
    assert _latest_spec(world, env).env["ENTRYPOINT"] == entrypoint


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} runs entrypoint {entrypoint}'))
def preview_runs(world: WorldLike, name: str, pr: int, entrypoint: str) -> None:
    env = q.live_preview(world, name, pr)
    assert env.status == EnvironmentStatus.running
    assert _latest_spec(world, env).env["ENTRYPOINT"] == entrypoint


@then(parsers.parse('the stopped preview of "{name}" for pull request #{pr:d} got no deploy after it stopped'))
def stopped_not_revived(world: WorldLike, name: str, pr: int) -> None:
    [env] = q.previews(world, name, pr)
    assert env.status == EnvironmentStatus.stopped
    stopped_at = max(
        i
        for i, e in enumerate(world.events())
        if e.detail.get("environment_id") == env.id and e.detail_type == "EnvironmentStopped"
    )
    later = [e for e in world.events()[stopped_at:] if e.detail.get("environment_id") == env.id]
    assert [e.detail_type for e in later if e.detail_type == "EnvironmentDeployRequested"] == []


def _latest_spec(world: WorldLike, env: Environment) -> MachineSpec:
    fly_app = world.flyio.apps["wc-" + env.id.replace("_", "-")]
    return fly_app.specs[fly_app.machines[str(env.deployment_id)]]
