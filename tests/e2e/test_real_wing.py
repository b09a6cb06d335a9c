"""The product doing what it exists for, with the real winglang: a Wing app in a git repository on disk goes
live through `wingcloud serve --repos DIR`, every service and event of the spec on the way, with real logs.

Needs node and winglang (`(cd tools/wing && npm ci)`, as `.ci/run` does); skipped with that reason elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.local.process import wait_for
from tests.adapters.local.runtime_bench import RuntimeBench, alive, app_source
from wingcloud import tools

pytestmark = pytest.mark.needs_tool("git", "node", "wing")


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[RuntimeBench]:
    wing = tools.find("wing")
    assert wing is not None
    bench = RuntimeBench(tmp_path, wing)
    bench.commit(app_source("hello from main"))
    bench.start()
    yield bench
    bench.stop()


def test_a_wing_app_goes_live_and_a_pull_request_gets_its_own_preview(bench: RuntimeBench) -> None:
    bench.create_app()
    production = bench.settled("main")
    assert production["status"] == "running", production["error_message"]
    assert [(t["path"], t["passed"]) for t in production["test_results"]] == [("main.w:the api answers", True)]
    assert bench.get(production["url"]).text == "hello from main"

    sha = bench.commit(app_source("hello from the pull request"), branch="feature")
    bench.webhook("pull_request.opened", "feature", sha)
    preview = bench.settled("feature")
    assert preview["status"] == "running", preview["error_message"]
    assert bench.get(preview["url"]).text == "hello from the pull request"
    assert bench.get(production["url"]).text == "hello from main"  # production still serves main

    logs = bench.logs(preview["id"])
    assert "root/Default/test:the api answers" in logs  # the test's name, from `wing test`
    wait_for(lambda: "serving a request" in bench.logs(preview["id"]), "the app's own log line")  # its `log()`

    before = bench.processes()
    bench.webhook("pull_request.closed", "feature", sha)
    wait_for(lambda: bench.get(preview["url"]).status_code == 404, "the preview's URL to stop answering")
    wait_for(lambda: sum(alive(p) for p in before) < len(before), "the preview's processes to stop")
    assert bench.get(production["url"]).text == "hello from main"


def test_a_commit_that_does_not_compile_ends_in_error_with_the_compilers_message(bench: RuntimeBench) -> None:
    bench.create_app()
    assert bench.settled("main")["status"] == "running"
    broken = {"main.w": 'bring cloud;\nlet port: num = "eighty";\n'}
    sha = bench.commit(broken, branch="broken")
    bench.webhook("pull_request.opened", "broken", sha, number=2)
    env = bench.settled("broken")
    assert env["status"] == "error"
    assert env["error_message"].startswith("main.w does not compile:")
    assert 'Expected type to be "num", but got "str" instead' in env["error_message"]
    assert 'Expected type to be "num", but got "str" instead' in bench.logs(env["id"])
