"""The runtime agent, step by step and failure by failure, with a fake `wing` and a real HTTP sink for its
reports and logs. (`tests/e2e/test_real_wing.py` runs it with the real winglang.)"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.run import Agent
from tests.agent.conftest import TOKEN, Sink, app_files, commit, settings_for

pytestmark = pytest.mark.needs_tool("git")


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


class Running:
    """An agent in a thread, stopped (as SIGTERM would) when the test is done with it."""

    def __init__(self, agent: Agent) -> None:
        self.agent, self.code = agent, None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.code = self.agent.run()

    def stop(self) -> int | None:
        self.agent.stopping.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        return self.code


@pytest.fixture
def start(tmp_path: Path, sink: Sink, fake_wing: str) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start_agent(files: dict[str, str], **more: str) -> Running:
        repo = tmp_path / "repo"
        sha = commit(repo, files)
        running = Running(Agent(settings_for(sink, repo, sha, tmp_path / "work", fake_wing, **more)))
        started.append(running)
        return running

    yield start_agent
    for running in started:
        running.stop()


def run_to_end(tmp_path: Path, sink: Sink, wing: str, files: dict[str, str], **more: str) -> int:
    sha = commit(tmp_path / "repo", files)
    return Agent(settings_for(sink, tmp_path / "repo", sha, tmp_path / "work", wing, **more)).run()


def test_a_deployment_reports_each_step_then_serves_its_endpoints(start, sink: Sink, tmp_path: Path) -> None:
    running = start(
        app_files(body="hello from v1", print="app says hi"),
        WINGCLOUD_ENDPOINT_URL="http://{label}-wc-env-1.localhost:8080/",
        WINGCLOUD_STATUS_FILE=str(tmp_path / "status.json"),
    )
    wait_for(lambda: "running" in sink.statuses)
    assert sink.statuses == ["deploying", "running-tests", "running-server", "running"]
    running_report = sink.reports[-1]
    assert running_report["endpoints"] == [{"label": "api", "url": "http://api-wc-env-1.localhost:8080/"}]
    assert {(t["path"], t["passed"]) for t in running_report["test_results"]} == {
        ("main.w:the api says hello", True),
        ("main.w:arithmetic", True),
    }
    # what the local supervisor reads: the endpoint as served, to route the public URL to it
    served = json.loads((tmp_path / "status.json").read_text())["served"]
    assert httpx.get(served[0]["url"]).text == "hello from v1"
    wait_for(lambda: "served /" in sink.text("app"))  # the app's own log entries, read from the console
    assert "app says hi" in sink.text("app")  # and what `wing it` prints
    deploy_log = sink.text("deploy")
    assert "git clone" in deploy_log and "root/Default/test:the api says hello" in deploy_log
    assert running.stop() == 0


def test_a_failing_test_is_tests_error_and_the_app_still_runs(start, sink: Sink) -> None:
    start(app_files(test="fail"))
    wait_for(lambda: "running" in sink.statuses)
    assert sink.statuses == ["deploying", "running-tests", "tests-error", "running"]
    failed = [t for t in sink.reports[-1]["test_results"] if not t["passed"]]
    assert failed[0]["path"] == "main.w:arithmetic"
    assert "assertion failed: 1 + 1 == 3" in failed[0]["error"]
    assert " at " not in failed[0]["error"]  # the message, not the simulator bundle's stack


def test_a_broken_test_harness_is_tests_error_with_no_results(start, sink: Sink) -> None:
    start(app_files(test="no-results"))
    wait_for(lambda: "running" in sink.statuses)
    assert sink.statuses == ["deploying", "running-tests", "tests-error", "running"]
    assert sink.reports[2]["test_results"] == []
    assert "the test harness crashed" in sink.text("deploy")


def test_a_compile_error_is_an_error_with_the_compiler_message(tmp_path: Path, sink: Sink, fake_wing: str) -> None:
    assert run_to_end(tmp_path, sink, fake_wing, app_files(test="compile-error")) == 1
    assert sink.statuses == ["deploying", "running-tests", "error"]
    message = sink.reports[-1]["error_message"]
    assert message.startswith("main.w does not compile:")
    assert 'Expected type to be "num", but got "str" instead' in message
    assert "Traceback" not in message


def test_a_commit_missing_from_the_repository_is_an_error_that_says_so(tmp_path: Path, sink: Sink, fake_wing: str):
    commit(tmp_path / "repo", app_files())
    settings = settings_for(sink, tmp_path / "repo", "f" * 40, tmp_path / "work", fake_wing)
    assert Agent(settings).run() == 1
    assert sink.statuses == ["deploying", "error"]
    assert sink.reports[-1]["error_message"] == f"commit {'f' * 40} is not in {tmp_path / 'repo'} (was it pushed?)"


def test_a_clone_failure_never_shows_the_git_token(tmp_path: Path, sink: Sink, fake_wing: str) -> None:
    token = "ghs_installationtoken123456"
    settings = settings_for(sink, tmp_path / "repo", "a" * 40, tmp_path / "work", fake_wing)
    settings = settings.model_copy(update={"git_url": None, "git_token": token, "repository": "acme/nope"})
    settings = settings.model_copy(update={"git_url": f"http://x-access-token:{token}@127.0.0.1:9/acme/nope.git"})
    assert Agent(settings).run() == 1
    assert sink.statuses == ["deploying", "error"]
    assert "cloning" in sink.reports[-1]["error_message"]
    assert all(token.encode() not in body for body in sink.bodies)


def test_the_app_failing_to_start_is_an_error_with_its_message(tmp_path: Path, sink: Sink, fake_wing: str) -> None:
    assert run_to_end(tmp_path, sink, fake_wing, app_files(it="app-error")) == 1
    assert sink.statuses == ["deploying", "running-tests", "running-server", "error"]
    assert "the app failed to start:\nError: the app threw at startup: boom" in sink.reports[-1]["error_message"]


def test_wing_it_exiting_at_once_is_an_error_with_its_output(tmp_path: Path, sink: Sink, fake_wing: str) -> None:
    assert run_to_end(tmp_path, sink, fake_wing, app_files(it="crash")) == 1
    assert sink.statuses[-1] == "error"
    assert "wing it stopped (exit status 3)" in sink.reports[-1]["error_message"]
    assert "cannot start" in sink.reports[-1]["error_message"]


def test_an_app_that_dies_after_running_is_an_error_with_its_exit_status_and_tail(tmp_path, sink, fake_wing) -> None:
    files = app_files(die_after=1.5, print="about to fall over")
    assert run_to_end(tmp_path, sink, fake_wing, files) == 1
    assert sink.statuses == ["deploying", "running-tests", "running-server", "running", "error"]
    message = sink.reports[-1]["error_message"]
    assert message.startswith("the app stopped (exit status 7):")
    assert "about to fall over" in message


def test_secrets_reach_the_app_and_never_a_log(tmp_path, sink, fake_wing, monkeypatch) -> None:
    monkeypatch.setenv("MY_SECRET", "s3cr3t-value-42")
    files = app_files(print="printing s3cr3t-value-42 by mistake")
    running = Running(
        Agent(
            settings_for(
                sink,
                tmp_path / "repo",
                commit(tmp_path / "repo", files),
                tmp_path / "work",
                fake_wing,
                WINGCLOUD_SECRET_NAMES="MY_SECRET",
            )
        )
    )
    wait_for(lambda: "printing *** by mistake" in sink.text("app"))
    assert "secret seen: ***" in sink.text("deploy")  # the tests saw it; the log shows it redacted
    env_file = tmp_path / "work" / "app" / ".env"
    assert env_file.read_text() == 'MY_SECRET="s3cr3t-value-42"\n'  # cloud.Secret reads it in the simulator
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    running.stop()
    assert all(b"s3cr3t-value-42" not in body for body in sink.bodies)
    assert all(TOKEN.encode() not in body for body in sink.bodies)


def test_a_409_while_deploying_ends_the_agent_quietly(tmp_path: Path, sink: Sink, fake_wing: str) -> None:
    sink.stale_from = "running-tests"  # a newer deployment replaced this one while it cloned
    assert run_to_end(tmp_path, sink, fake_wing, app_files()) == 0
    assert sink.statuses == ["deploying"]  # nothing after the 409: no tests run, no app started
    assert not list((tmp_path / "work").glob("test-results.json"))


def test_a_superseded_agent_serves_through_its_grace_period_then_stops(tmp_path, sink, fake_wing, monkeypatch) -> None:
    monkeypatch.setattr("agent.run.ASK_EVERY", 0.2)
    sha = commit(tmp_path / "repo", app_files())
    settings = settings_for(
        sink, tmp_path / "repo", sha, tmp_path / "work", fake_wing, WINGCLOUD_SUPERSEDED_GRACE="1.5"
    )
    settings = settings.model_copy(update={"status_file": tmp_path / "status.json"})
    running = Running(Agent(settings))
    wait_for(lambda: "running" in sink.statuses)
    url = json.loads((tmp_path / "status.json").read_text())["served"][0]["url"]
    sink.stale = True  # the next deployment exists now
    wait_for(lambda: running.agent.reporter.superseded.is_set())
    assert httpx.get(url).text == "hello"  # still serving while the successor starts
    running.thread.join(timeout=10)
    assert not running.thread.is_alive() and running.code == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(url, timeout=2)


def test_the_supervisor_knows_where_the_app_is_served_before_wingcloud_hears_running(tmp_path, sink, fake_wing) -> None:
    """A `running` report retires the previous deployment at once; the local supervisor routes the environment's
    URL by the status file, so the file must name the new endpoints before the report leaves."""
    status_file = tmp_path / "status.json"
    seen: dict[str, Any] = {}

    def on_report(report: dict[str, Any]) -> None:
        seen[report["status"]] = json.loads(status_file.read_text()) if status_file.exists() else None

    sink.on_report = on_report
    sha = commit(tmp_path / "repo", app_files())
    settings = settings_for(sink, tmp_path / "repo", sha, tmp_path / "work", fake_wing)
    running = Running(Agent(settings.model_copy(update={"status_file": status_file})))
    try:
        wait_for(lambda: "running" in seen)
        assert seen["running"] is not None and seen["running"]["status"] == "running"
        assert [e["label"] for e in seen["running"]["served"]] == [e["label"] for e in sink.reports[-1]["endpoints"]]
    finally:
        running.stop()


def test_log_batches_carry_idempotency_keys_unique_across_restarts(tmp_path, sink, fake_wing) -> None:
    run_to_end(tmp_path, sink, fake_wing, app_files(test="compile-error"))
    run_to_end(tmp_path, sink, fake_wing, app_files(test="compile-error"))  # the same deployment, run again
    batch_keys = [key for key in sink.keys if not key.startswith("dep_1-") or key.count("-") > 1]
    status_keys = [key for key in sink.keys if key in {"dep_1-deploying", "dep_1-running-tests", "dep_1-error"}]
    assert len(set(status_keys)) == 3 and len(status_keys) == 6  # a status is the same report each time
    log_keys = [key for key in batch_keys if key not in status_keys]
    assert log_keys and len(set(log_keys)) == len(log_keys)  # a batch never repeats another's key


def test_the_winglang_this_repository_installs_is_the_one_the_agent_pins() -> None:
    from agent.config import AgentSettings
    from tests.conftest import REPO

    pinned = AgentSettings.model_fields["winglang_version"].default
    assert json.loads((REPO / "tools" / "wing" / "package.json").read_text())["dependencies"] == {"winglang": pinned}
    locked = json.loads((REPO / "tools" / "wing" / "package-lock.json").read_text())
    assert locked["packages"]["node_modules/winglang"]["version"] == pinned
