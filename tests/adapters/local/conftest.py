"""Fixtures for the local process: a System on a temp data dir, driven step by step, and signed fixtures."""

from __future__ import annotations

import hashlib
import hmac
import json
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its TestClient and warns when it falls back to httpx (installed here).
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from adapters.local.server import create_app
from adapters.local.system import System
from adapters.settings import LocalSettings
from bus.retry import RetryPolicy
from ports import RuntimeReport
from sim.embedded import JournaledFlyIO, JournaledGitHub
from sim.fakes import FakeFlyIO, FakeGitHub
from sim.player import play_until_quiet
from tests.fixtures import github_body
from wingcloud.outside import local_system

SECRET = "test-secret"
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def fixture_body(name: str) -> bytes:
    return github_body(name)


def signed(body: bytes, event: str, delivery: str, secret: str = SECRET) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Hook-ID": "292430182",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": "29310",
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "User-Agent": "GitHub-Hookshot/044aadd",
        "Content-Type": "application/json",
    }


def pull_request(
    action_file: str = "pull_request.opened.json", *, number: int | None = None, branch: str | None = None, **top: Any
) -> bytes:
    """A fixture body, optionally with another PR number / head branch (distinct deliveries)."""
    payload = json.loads(fixture_body(action_file))
    if number is not None:
        payload["number"] = number
        payload["pull_request"]["number"] = number
    if branch is not None:
        payload["pull_request"]["head"]["ref"] = branch
    payload.update(top)
    return json.dumps(payload).encode()


def embedded(system: System) -> tuple[FakeGitHub, FakeFlyIO]:
    """The fakes behind the embedded GitHub and fly.io."""
    github, flyio = system.outside.github, system.outside.flyio
    assert isinstance(github, JournaledGitHub) and isinstance(flyio, JournaledFlyIO), "not the embedded world"
    return github.fake, flyio.fake


def drain(system: System, rounds: int = 1000) -> None:
    """Deliver everything due, playing the embedded runtime's reports, until nothing is left to do."""
    counts: dict[str, int] = {}

    def report(sent: RuntimeReport) -> None:
        counts[sent.deployment_id] = counts.get(sent.deployment_id, 0) + 1
        system.report(sent, f"rep_{sent.deployment_id}_{counts[sent.deployment_id]}")

    def settle() -> None:
        for _ in range(rounds):
            if not system.worker.run_once():
                return
        raise AssertionError("the system did not go quiet")

    play_until_quiet(embedded(system)[1], report, settle)


@pytest.fixture
def settings() -> LocalSettings:
    return LocalSettings(
        github_webhook_secret=SecretStr(SECRET),
        api_token=SecretStr(TOKEN),
        runtime_step_seconds=0,
        max_webhook_bytes=64 * 1024,
    )


@pytest.fixture
def system(tmp_path: Path, settings: LocalSettings) -> System:
    return local_system(
        settings,
        tmp_path / "data",
        "http://testserver",
        retry=RetryPolicy(maximum_attempts=0, maximum_event_age=timedelta(minutes=5)),
    )


@pytest.fixture
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system, background=False)) as test_client:
        yield test_client


@pytest.fixture
def app_id(client: TestClient, system: System) -> str:
    """An app bound to the fixtures' repository, its production environment running."""
    body = {
        "name": "hello",
        "repository": "Codertocat/Hello-World",
        "default_branch": "master",
        "entrypoint": "main.w",
        "installation_id": 1,
    }
    response = client.post("/api/apps", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    drain(system)
    return str(response.json()["id"])
