"""`wingcloud serve` with the local runtime (WINGCLOUD_RUNTIME=local, --repos): real agents as child processes,
each running a fake `wing` (a script, fast and exact about failures); endpoints through the server's proxy.
The same flow with the real winglang is `tests/e2e/test_real_wing.py`."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.local.machines import LocalMachines
from adapters.local.repos import LocalReposGitHub, LocalRepositories, RepositoryNotFoundError
from adapters.settings import LocalSettings
from ports import BranchHead
from sim.fakes.github import FakeGitHub
from tests.adapters.local.process import run_cli, wait_for
from tests.adapters.local.runtime_bench import RuntimeBench, alive, fake_app
from tests.agent.conftest import commit, git
from wingcloud.outside import RuntimeChoiceError, choose_runtime

pytestmark = pytest.mark.needs_tool("git")


@pytest.fixture
def bench(tmp_path: Path, fake_wing: str) -> Iterator[RuntimeBench]:
    bench = RuntimeBench(tmp_path, fake_wing)
    bench.commit(fake_app("hello from main"))
    bench.start()
    yield bench
    bench.stop()


def test_production_and_a_preview_run_side_by_side_and_closing_stops_the_preview(bench: RuntimeBench) -> None:
    bench.create_app()
    production = bench.settled("main")
    assert production["status"] == "running", production["error_message"]
    assert production["url"].startswith("http://api-wc-env-")
    assert bench.get(production["url"]).text == "hello from main"

    sha = bench.commit(fake_app("hello from feature"), branch="feature")
    bench.webhook("pull_request.opened", "feature", sha)
    preview = bench.settled("feature")
    assert preview["status"] == "running" and preview["sha"] == sha
    assert bench.get(preview["url"]).text == "hello from feature"
    assert bench.get(production["url"]).text == "hello from main"

    assert "root/Default/test:the api says hello" in bench.logs(preview["id"])  # the test run, line by line
    app_line = "[app] info root/Default/Api/OnRequestHandler0: served /"  # the app's own log, as it comes
    wait_for(lambda: app_line in bench.logs(preview["id"]), "the app's log line")

    before = set(bench.processes())
    bench.webhook("pull_request.closed", "feature", sha)
    wait_for(lambda: bench.get(preview["url"]).status_code == 404, "the preview's URL to stop answering")
    assert "no running environment serves the endpoint" in bench.get(preview["url"]).text
    wait_for(lambda: len([p for p in before if alive(p)]) < len(before), "the preview's processes to end")
    assert bench.get(production["url"]).text == "hello from main"


def test_a_redeploy_keeps_the_url_answering_and_retires_the_old_process(bench: RuntimeBench) -> None:
    bench.create_app()
    first = bench.settled("main")
    answers: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            response = bench.get(first["url"])
            answers.append(f"{response.status_code} {response.text}")
            time.sleep(0.05)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    sha = bench.commit(fake_app("hello again"))
    bench.webhook("push", "main", sha)
    second = bench.settled("main", after=first["deployment_id"])
    wait_for(lambda: answers and answers[-1] == "200 hello again", "the new deployment to answer")
    stop.set()
    asker.join()
    assert second["url"] == first["url"]  # the same URL across redeploys
    assert set(answers) == {"200 hello from main", "200 hello again"}  # never a gap, never a mix-up after
    assert answers.index("200 hello again") > 0
    assert "200 hello from main" not in answers[answers.index("200 hello again") :]
    machines = bench.data / "machines" / f"wc-{first['id'].replace('_', '-')}"
    wait_for(lambda: len(list(machines.iterdir())) == 1, "the old deployment's folder to go")


def test_a_compile_error_ends_in_error_with_the_compilers_message(bench: RuntimeBench) -> None:
    bench.create_app()
    bench.settled("main")
    sha = bench.commit(fake_app("-", test="compile-error"), branch="broken")
    bench.webhook("pull_request.opened", "broken", sha, number=2)
    broken = bench.settled("broken")
    assert broken["status"] == "error"
    assert (
        'main.w does not compile:\nerror: Expected type to be "num", but got "str" instead' in broken["error_message"]
    )
    assert 'Expected type to be "num"' in bench.logs(broken["id"])


def test_after_kill_9_nothing_is_left_running_and_a_restart_redeploys_what_ran(bench: RuntimeBench) -> None:
    bench.create_app()
    before = bench.settled("main")
    processes = bench.processes()
    assert processes  # the agent, the app
    bench.server.kill9()
    wait_for(lambda: not any(alive(p) for p in processes), "the machines to die with their server", timeout=20)

    bench.server.start()
    after = bench.settled("main", after=before["deployment_id"])
    assert after["status"] == "running"
    assert bench.get(after["url"]).text == "hello from main"
    assert after["url"] == before["url"]
    log = bench.server.log.read_text()
    assert f"{before['id']} (main) was running when the server stopped: redeploying it" in log


# --- choosing the runtime, repositories on disk, trigger --repos ---------------------------------------------


def _settings(**values: object) -> LocalSettings:
    return LocalSettings.model_validate({"runtime": "auto", **values})


def test_auto_picks_fly_with_its_token_local_with_code_and_node_else_simulated(tmp_path: Path) -> None:
    assert choose_runtime(_settings(fly_api_token="t"), "/usr/bin/node").name == "flyio"
    local = choose_runtime(_settings(local_repos=tmp_path), "/usr/bin/node")
    assert (local.name, local.why) == (
        "local",
        "deployments run on this machine: code from local repositories, node at /usr/bin/node",
    )
    assert choose_runtime(_settings(github_app_id="1"), "/usr/bin/node").name == "local"
    no_code = choose_runtime(_settings(), "/usr/bin/node")
    assert no_code.name == "simulated" and "no code to clone" in no_code.why
    no_node = choose_runtime(_settings(local_repos=tmp_path), None)
    assert no_node.name == "simulated" and "node is not installed" in no_node.why


def test_a_runtime_asked_for_by_name_that_cannot_run_is_an_error() -> None:
    with pytest.raises(RuntimeChoiceError, match="WINGCLOUD_RUNTIME=local needs node 20 or newer"):
        choose_runtime(_settings(runtime="local"), None)
    with pytest.raises(RuntimeChoiceError, match="WINGCLOUD_RUNTIME=flyio needs WINGCLOUD_FLY_API_TOKEN"):
        choose_runtime(_settings(runtime="flyio"), "/usr/bin/node")
    assert choose_runtime(_settings(runtime="simulated", fly_api_token="t"), "/usr/bin/node").name == "simulated"


def test_serve_says_which_runtime_and_why_and_refuses_a_missing_repos_folder(tmp_path: Path) -> None:
    missing = run_cli("serve", "--port", "0", "--data-dir", str(tmp_path / "d"), "--repos", str(tmp_path / "nope"))
    assert missing.returncode == 1
    assert f"the local repositories folder {tmp_path / 'nope'} does not exist" in missing.stderr


def test_local_repositories_read_heads_of_work_trees_and_bare_ones(tmp_path: Path) -> None:
    sha = commit(tmp_path / "acme" / "hello", {"main.w": "bring cloud;\n"})
    git(tmp_path / "acme", "clone", "-q", "--bare", "hello", "bare.git")
    repos = LocalRepositories(tmp_path)
    assert repos.head("acme/hello", "main") == sha
    assert repos.head("acme/bare", "main") == sha
    assert repos.head("acme/hello", "nope") is None
    with pytest.raises(RepositoryNotFoundError, match="no git repository for acme/other in"):
        repos.path("acme/other")
    github = LocalReposGitHub(FakeGitHub(), repos)
    assert github.get_branch_head(1, "acme/hello", "main") == BranchHead(sha=sha, message="change")
    assert github.get_branch_head(1, "acme/other", "main") is None  # the app is refused: no such branch


def test_trigger_with_repos_sends_the_branch_head_and_its_parent(tmp_path: Path) -> None:
    first = commit(tmp_path / "acme" / "hello", {"a": "1"})
    second = commit(tmp_path / "acme" / "hello", {"a": "2"})
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "credentials.json").write_text('{"webhook_secret": "s"}')
    args = ("--repos", str(tmp_path), "--data-dir", str(tmp_path / "data"), "--dry-run")
    sent = run_cli("trigger", "push", "-r", "acme/hello", "-b", "main", *args)
    assert sent.returncode == 0, sent.stderr
    body = json.loads(sent.stdout.splitlines()[-1])  # --dry-run: the headers, then the body on its last line
    assert (body["after"], body["before"]) == (second, first)
    missing = run_cli("trigger", "push", "-r", "acme/hello", "-b", "nope", *args)
    assert missing.returncode == 1 and f"acme/hello in {tmp_path} has no branch 'nope'" in missing.stderr


def test_reap_stops_what_an_earlier_server_left_on_its_folder_and_nothing_else(tmp_path: Path) -> None:
    root = tmp_path / "machines"
    env = {**os.environ, "WINGCLOUD_MACHINES": str(root)}
    left = subprocess.Popen(["sleep", "60"], env=env, start_new_session=True)
    other = subprocess.Popen(["sleep", "60"], env={**env, "WINGCLOUD_MACHINES": str(tmp_path / "elsewhere")})
    machines = LocalMachines(root, endpoint_url="http://{label}-{app}.localhost:1/")
    try:
        assert machines.reap() == 1
        assert left.wait(timeout=10) == -9
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
        machines.stop_all()
