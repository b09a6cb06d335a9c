"""Steps of push.feature."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then, when

from features import queries as q
from features.conftest import EdgeAnswer, deliver
from sim.world import WorldLike

scenarios("push.feature")


def derived_push(ref: str, before: str, after: str, repository: str = "Codertocat/Hello-World") -> bytes:
    """DERIVED from push.json (probot's recorded branch push): another repository, ref and commits."""
    payload = q.fixture_json("push.json")
    payload["ref"], payload["before"], payload["after"] = ref, before, after
    payload["repository"]["full_name"] = repository
    payload["repository"]["name"] = repository.split("/")[1]
    payload["head_commit"]["id"] = after
    payload["installation"] = {"id": 1}
    return q.as_body(payload)


@when(parsers.parse("the push of {sha} to {branch} arrives"), target_fixture="answer")
def push_arrives(world: WorldLike, sha: str, branch: str) -> EdgeAnswer:
    """A derived push of `sha` to `branch` of Codertocat/Hello-World."""
    body = derived_push(f"refs/heads/{branch}", "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", sha)
    return EdgeAnswer(deliver(world, "push.json", body))


@when(parsers.parse("the synchronize of pull request #{pr:d} arrives"), target_fixture="answer")
def synchronize_arrives(world: WorldLike, pr: int) -> EdgeAnswer:
    """The recorded synchronize (PR #2, head moved to ec26c3e)."""
    assert pr == 2
    return EdgeAnswer(deliver(world, "pull_request.synchronize.json"))


@when(parsers.parse("the branch {branch} of {repository} is deleted"), target_fixture="answer")
def branch_deleted(world: WorldLike, branch: str, repository: str) -> EdgeAnswer:
    """DERIVED from push.tag-deleted.json: the deleted ref is a branch, not a tag."""
    payload = q.fixture_json("push.tag-deleted.json")
    payload["ref"] = f"refs/heads/{branch}"
    payload["repository"]["full_name"] = repository
    return EdgeAnswer(deliver(world, "push.tag-deleted.json", q.as_body(payload)))


@then(parsers.parse('app "{name}" has last commit {sha} "{message}"'))
def last_commit(world: WorldLike, name: str, sha: str, message: str) -> None:
    """The apps directory keeps the default branch's last commit."""
    app = q.app_named(world, name)
    assert (app.last_commit_sha, app.last_commit_message) == (sha, message)
    assert [d["sha"] for d in q.details(world, "AppLastCommitUpdated")] == [sha]


@then("no deploy was caused by a BranchPushed")
def no_deploy_from_push(world: WorldLike) -> None:
    """Previews are left to synchronize: no deploy request descends from a push."""
    pushes = {e.event_id for e in world.events("BranchPushed")}
    assert pushes
    assert all(d["metadata"]["causation_id"] not in pushes for d in q.details(world, "EnvironmentDeployRequested"))
