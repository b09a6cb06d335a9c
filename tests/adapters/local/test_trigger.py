"""`wingcloud trigger`: signed sample webhooks built from recorded deliveries, sent to a running server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from adapters.github.samples import KINDS, SAMPLES, sample_delivery
from adapters.github.webhooks import verify_signature
from events import BranchPushed, PullRequestClosed, PullRequestOpened, PullRequestReopened, PullRequestSynchronized
from services.github import translate
from tests.adapters.local.process import Server, free_port, run_cli, wait_for
from tests.fixtures import github_body

SHA = "1" * 40
EXPECTED = {
    "pull_request.opened": PullRequestOpened,
    "pull_request.reopened": PullRequestReopened,
    "pull_request.synchronize": PullRequestSynchronized,
    "pull_request.closed": PullRequestClosed,
    "push": BranchPushed,
}


def test_the_samples_are_the_recorded_deliveries_byte_for_byte() -> None:
    for kind in KINDS:
        assert (SAMPLES / f"{kind}.json").read_bytes() == github_body(f"{kind}.json"), kind


@pytest.mark.parametrize("kind", KINDS)
def test_a_sample_translates_to_its_domain_event_with_the_facts_given(kind: str) -> None:
    delivery = sample_delivery(
        kind, repository="acme/hello-wing", branch="feature", sha=SHA, number=7, installation_id=42
    )
    event = translate(delivery.event, delivery.delivery_id, json.loads(delivery.body))
    assert isinstance(event, EXPECTED[kind])
    assert (event.repository, event.installation_id) == ("acme/hello-wing", 42)
    if isinstance(event, BranchPushed):
        assert (event.branch, event.after_sha) == ("feature", SHA)
    else:
        assert (event.head_branch, event.head_sha, event.pr_number) == ("feature", SHA, 7)
    if isinstance(event, PullRequestOpened):
        assert not event.is_fork  # the head repository is the repository itself


def test_a_sample_is_signed_as_github_signs() -> None:
    delivery = sample_delivery("push", repository="a/b", branch="main", sha=SHA)
    headers = delivery.headers("s3cret")
    verify_signature("s3cret", delivery.body, headers["X-Hub-Signature-256"])
    assert headers["X-GitHub-Event"] == "push" and headers["X-GitHub-Delivery"] == delivery.delivery_id


@pytest.mark.slow
def test_trigger_opens_and_closes_a_preview_on_a_running_server(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", free_port(), own_credentials=True)
    server.start()
    try:
        token = json.loads((tmp_path / "data" / "credentials.json").read_text())["api_token"]
        auth = {"Authorization": f"Bearer {token}"}
        app = {"name": "hello", "repository": "acme/hello-wing", "default_branch": "main", "installation_id": 1}
        created = httpx.post(f"{server.url}/api/apps", json=app, headers=auth)
        assert created.status_code == 201, created.text
        where = ("--url", server.url, "--data-dir", str(tmp_path / "data"))
        common = ("--repository", "acme/hello-wing", "--branch", "add-queue", "--number", "7", *where)
        opened = run_cli("trigger", "pull_request.opened", *common)
        assert opened.returncode == 0, opened.stderr
        assert "202" in opened.stdout and "pull_request.opened for acme/hello-wing@add-queue" in opened.stdout

        def preview(status: str) -> dict[str, object] | None:
            envs = httpx.get(f"{server.url}/api/apps/{created.json()['id']}/environments", headers=auth).json()
            found = [e for e in envs if e["type"] == "preview" and e["pr_number"] == 7 and e["status"] == status]
            return found[0] if found else None

        wait_for(lambda: preview("running"), "the preview to run")
        closed = run_cli("trigger", "pull_request.closed", *common)
        assert closed.returncode == 0, closed.stderr
        wait_for(lambda: preview("stopped"), "the preview to stop")
    finally:
        server.stop()


def test_trigger_errors_are_one_line(tmp_path: Path) -> None:
    unknown = run_cli("trigger", "pull_request.edited", "-r", "a/b", "-b", "x", "--data-dir", str(tmp_path))
    assert unknown.returncode == 1 and "no sample webhook 'pull_request.edited'" in unknown.stderr
    no_secret = run_cli("trigger", "push", "-r", "a/b", "-b", "x", "--data-dir", str(tmp_path / "none"))
    assert no_secret.returncode == 1 and "Start `wingcloud serve` first" in no_secret.stderr
    (tmp_path / "credentials.json").write_text(json.dumps({"webhook_secret": "s"}))
    down = run_cli(
        "trigger",
        "push",
        "-r",
        "a/b",
        "-b",
        "x",
        "--data-dir",
        str(tmp_path),
        "--url",
        f"http://127.0.0.1:{free_port()}",
    )
    assert down.returncode == 1 and "is `wingcloud serve` running there?" in down.stderr
    for result in (unknown, no_secret, down):
        assert "Traceback" not in result.stderr
