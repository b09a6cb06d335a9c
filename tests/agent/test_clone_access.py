"""The agent's clone when the machine's token no longer works (GitHub's last an hour; fly.io restarts a machine
with the secrets it started with): it asks wing.cloud's clone-access door for a fresh one with the deployment's
token and clones again, once; no token ever reaches a log. The code host is a fake `git` that takes one token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agent.config import AgentSettings
from agent.reporter import Redactor, Reporter
from agent.run import Agent
from tests.agent.conftest import TOKEN, CodeHost, Sink, app_files, commit, settings_for

pytestmark = pytest.mark.needs_tool("git")

URL = "https://github.com/acme/hello.git"
EXPIRED = "ghs_expired0000000000000000000000000001"
FRESH = "ghs_fresh00000000000000000000000000000002"
IDS = {"environment_id": "env_1", "deployment_id": "dep_1"}


def settings(tmp_path: Path, sink: Sink, wing: str, token: str | None) -> AgentSettings:
    """A deployment of `acme/hello` from GitHub's HTTPS URL, with the machine's token `token`; its report to
    `running-tests` is answered 409, so that the agent stops once the clone and the install are done."""
    sha = commit(tmp_path / "repo", app_files())
    sink.stale_from = "running-tests"
    configured = settings_for(sink, tmp_path / "repo", sha, tmp_path / "work", wing, WINGCLOUD_GIT_URL=URL)
    return configured.model_copy(update={"git_token": token})


def no_token_anywhere(sink: Sink) -> None:
    for token in (EXPIRED, FRESH, TOKEN):
        assert all(token.encode() not in body for body in sink.bodies), f"{token} reached wing.cloud in a request"


def test_a_refused_token_is_replaced_by_a_fresh_one_from_wingcloud(
    tmp_path: Path, sink: Sink, fake_wing: str, code_host: Callable[[Path, str], CodeHost]
) -> None:
    configured = settings(tmp_path, sink, fake_wing, EXPIRED)
    host = code_host(tmp_path / "repo", FRESH)
    sink.access_status, sink.access = 200, {"url": URL, "username": "x-access-token", "token": FRESH}
    assert Agent(configured).run() == 0  # stopped by the 409 after the clone, as planned
    assert host.clones() == [
        f"https://x-access-token:{EXPIRED}@github.com/acme/hello.git",
        f"https://x-access-token:{FRESH}@github.com/acme/hello.git",
    ]
    assert sink.access_asked == [IDS]  # once, with the deployment's token (the sink answers 401 without it)
    assert (tmp_path / "work" / "app" / "main.w").is_file()  # checked out at the commit
    deploy = sink.text("deploy")
    assert f"{URL} refused the token (expired?): asking wing.cloud for a fresh one" in deploy
    assert "fatal: Authentication failed" in deploy  # the first clone's own output
    assert deploy.count("$ git clone --quiet --no-checkout https://x-access-token:***@github.com/acme/hello.git") == 2
    no_token_anywhere(sink)


def test_without_a_token_an_https_clone_asks_wingcloud_for_one_first(
    tmp_path: Path, sink: Sink, fake_wing: str, code_host: Callable[[Path, str], CodeHost]
) -> None:
    configured = settings(tmp_path, sink, fake_wing, None)
    host = code_host(tmp_path / "repo", FRESH)
    sink.access_status, sink.access = 200, {"url": URL, "username": "x-access-token", "token": FRESH}
    assert Agent(configured).run() == 0
    assert host.clones() == [f"https://x-access-token:{FRESH}@github.com/acme/hello.git"]
    assert sink.access_asked == [IDS]
    no_token_anywhere(sink)


def test_a_409_from_the_door_stops_the_agent_as_any_409_does(
    tmp_path: Path, sink: Sink, fake_wing: str, code_host: Callable[[Path, str], CodeHost]
) -> None:
    configured = settings(tmp_path, sink, fake_wing, EXPIRED)
    host = code_host(tmp_path / "repo", FRESH)
    sink.access_status, sink.access = 409, {"error": "stale_deployment", "detail": "deployment dep_1 is not current"}
    assert Agent(configured).run() == 0
    assert sink.statuses == ["deploying"]  # no error reported: a newer deployment has the environment
    assert len(host.clones()) == 1 and sink.access_asked == [IDS]
    assert not (tmp_path / "work" / "app" / "main.w").exists()


@pytest.mark.parametrize(
    ("status", "patience", "said"),
    [
        (404, 60.0, "{door} refused the request: 404"),  # a wing.cloud older than the door
        (503, 0.6, "cannot reach wing.cloud at {door}: 503"),  # retried while the patience lasts
    ],
)
def test_when_wingcloud_gives_no_token_the_clone_fails_with_its_own_error(
    tmp_path: Path,
    sink: Sink,
    fake_wing: str,
    code_host: Callable[[Path, str], CodeHost],
    status: int,
    patience: float,
    said: str,
) -> None:
    configured = settings(tmp_path, sink, fake_wing, EXPIRED)
    host = code_host(tmp_path / "repo", FRESH)
    sink.access_status = status
    reporter = Reporter(
        configured.report_url,
        configured.logs_url,
        configured.report_token,
        **IDS,
        correlation_id=None,
        redact=Redactor([TOKEN, EXPIRED]),
        patience=patience,
    )
    assert Agent(configured, reporter).run() == 1
    assert sink.statuses == ["deploying", "error"]
    message = sink.reports[-1]["error_message"]
    assert message.startswith(f"cloning {URL} failed (exit status 128):")
    assert f"fatal: Authentication failed for '{URL}/'" in message
    assert len(host.clones()) == 1 and sink.access_asked
    door = f"{sink.url}/runtime/clone-access"
    assert f"wing.cloud gave no token to clone with: {said.format(door=door)}" in sink.text("deploy")
    no_token_anywhere(sink)


def test_a_fresh_token_the_code_host_refuses_too_is_not_asked_for_again(
    tmp_path: Path, sink: Sink, fake_wing: str, code_host: Callable[[Path, str], CodeHost]
) -> None:
    configured = settings(tmp_path, sink, fake_wing, EXPIRED)
    host = code_host(tmp_path / "repo", "ghs_only_this_one_works_0000000000000003")
    sink.access_status, sink.access = 200, {"url": URL, "username": "x-access-token", "token": FRESH}
    assert Agent(configured).run() == 1
    assert len(host.clones()) == 2 and len(sink.access_asked) == 1
    assert sink.statuses == ["deploying", "error"]
    assert "Authentication failed" in sink.reports[-1]["error_message"]
    no_token_anywhere(sink)


def test_a_clone_that_fails_for_another_reason_asks_for_no_token(
    tmp_path: Path, sink: Sink, fake_wing: str, code_host: Callable[[Path, str], CodeHost]
) -> None:
    configured = settings(tmp_path, sink, fake_wing, EXPIRED)
    code_host(tmp_path / "repo", EXPIRED)
    configured = configured.model_copy(update={"sha": "f" * 40})  # the token works; the commit is not there
    assert Agent(configured).run() == 1
    assert sink.access_asked == []
    assert sink.reports[-1]["error_message"] == f"commit {'f' * 40} is not in {URL} (was it pushed?)"


def test_a_token_learnt_later_is_redacted_as_it_is_and_as_it_is_in_a_url() -> None:
    redact = Redactor(["first-secret"])
    redact.add("tok/en+later")
    assert redact("first-secret tok/en+later https://u:tok%2Fen%2Blater@host/") == "*** *** https://u:***@host/"
