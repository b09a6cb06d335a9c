"""The local backend of the scenarios shows what the local server did: failures become dead letters with
their reason, the trace and the archive are read back from SQLite, retries run in virtual time."""

from __future__ import annotations

from datetime import timedelta

from adapters.local.offline import LocalWorld
from tests.fixtures import github_body


def test_a_failing_outside_call_is_retried_in_virtual_time_then_dead_lettered() -> None:
    world = LocalWorld()
    world.github.set_branch_head("Codertocat/Hello-World", "master", "a" * 40, "Initial commit")
    world.create_app(owner="codertocat", name="hello", repository="Codertocat/Hello-World", default_branch="master")
    world.run()

    def down(*args: object, **kwargs: object) -> object:
        raise ConnectionError("GitHub is down")

    world.github.upsert_pull_request_comment = down  # type: ignore[method-assign,assignment]
    started = world.now()
    world.deliver_webhook("pull_request", github_body("pull_request.opened.json"), "d-local-1")
    world.run()
    letters = world.dead_letters()
    assert letters and {d.error_code for d in letters} == {"ConnectionError"}
    assert {d.target for d in letters} >= {"github--EnvironmentStatusChanged"}
    assert all(d.exhausted_condition == "MaximumRetryAttempts" and d.attempts == 9 for d in letters)
    assert world.now() - started > timedelta(seconds=30)  # the backoff ran on the virtual clock
    kinds = {r.kind for r in world.trace() if r.correlation_id == "d-local-1"}
    assert {"delivered", "failed", "retry-scheduled", "dead-lettered"} <= kinds
    assert "PullRequestOpened" in [e.detail_type for e in world.events()]
