"""The real process: `kill -9` in the middle of a burst of 200 deliveries loses nothing acknowledged, and the
restart finishes the work with every effect exactly once."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.adapters.local.conftest import AUTH, pull_request, signed
from tests.adapters.local.process import Server, free_port, wait_for
from tests.fixtures import github_json

BURST = 200
KILL_AFTER = 70


@pytest.mark.slow
def test_kill_9_in_a_burst_loses_no_acknowledged_delivery_and_duplicates_no_effect(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", free_port())
    server.start()
    try:
        app = httpx.post(
            f"{server.url}/api/apps",
            headers=AUTH,
            json={
                "name": "hello",
                "repository": "Codertocat/Hello-World",
                "default_branch": "master",
                "entrypoint": "main.w",
                "installation_id": 1,
            },
        ).json()
        acknowledged, killed = _burst(server)
        assert killed and KILL_AFTER <= len(acknowledged) < BURST  # the kill really landed in the middle

        server.start()  # same data dir
        for n in sorted(acknowledged)[:5]:  # GitHub redelivers: same id, no second effect
            body = pull_request(number=n, branch=f"feature-{n}")
            again = httpx.post(
                f"{server.url}/webhooks/github", content=body, headers=signed(body, "pull_request", f"burst-{n}")
            )
            assert again.status_code == 200 and again.json()["duplicate"] is True

        def settled() -> list[dict[str, Any]] | None:
            envs = httpx.get(f"{server.url}/api/apps/{app['id']}/environments", headers=AUTH).json()
            previews = [e for e in envs if e["type"] == "preview"]
            health = httpx.get(f"{server.url}/healthz").json()
            done = {e["pr_number"] for e in previews if e["status"] == "running"} >= acknowledged
            return previews if done and health["pending_deliveries"] == 0 else None

        previews = wait_for(settled, "every acknowledged delivery to reach a running preview", timeout=240)
        collector = httpx.get(f"{server.url}/healthz").json()["gc"]  # serve watches its collector's pauses
        assert sum(collector["collections"]) > 0 and collector["frozen_objects"] > 0
        assert len(collector["longest"]) > 0 and collector["longest"][0]["ms"] >= collector["longest"][-1]["ms"]
        assert httpx.get(f"{server.url}/api/dead-letters", headers=AUTH).json() == []
        events = httpx.get(f"{server.url}/api/events?limit=1000", headers=AUTH).json()
        _live_stream_sees_a_new_delivery(server)
    finally:
        server.stop()

    per_pr = Counter(e["pr_number"] for e in previews)
    assert all(count == 1 for count in per_pr.values()), per_pr  # no PR got two environments
    assert set(per_pr) >= acknowledged  # every acknowledged delivery has its environment
    opened = Counter(e["correlation_id"] for e in events if e["detail_type"] == "PullRequestOpened")
    assert all(opened[f"burst-{n}"] == 1 for n in acknowledged)
    assert max(opened.values()) == 1
    created = Counter(e["detail"]["environment_id"] for e in events if e["detail_type"] == "EnvironmentCreated")
    assert max(created.values()) == 1
    # The outside world (the journaled fake fly.io) started exactly one deployment per environment.
    with sqlite3.connect(tmp_path / "data" / "outside.sqlite3") as outside:
        runs = [json.loads(a) for (a,) in outside.execute("SELECT args FROM calls WHERE method = 'run_machine'")]
    deployments: dict[str, set[str]] = {}
    for spec, key in runs:
        deployments.setdefault(spec["metadata"]["environment_id"], set()).add(key)
    assert {e["id"] for e in previews} <= set(deployments)
    assert all(len(keys) == 1 for keys in deployments.values()), deployments


def _burst(server: Server) -> tuple[set[int], bool]:
    acknowledged: set[int] = set()
    lock = threading.Lock()
    killed = threading.Event()

    def send(n: int) -> None:
        body = pull_request(number=n, branch=f"feature-{n}")
        try:
            response = httpx.post(
                f"{server.url}/webhooks/github",
                content=body,
                headers=signed(body, "pull_request", f"burst-{n}"),
                timeout=10,
            )
        except httpx.TransportError:
            return
        if response.status_code == 202:
            with lock:
                acknowledged.add(n)
                if len(acknowledged) == KILL_AFTER and not killed.is_set():
                    killed.set()
                    server.kill9()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(1000, 1000 + BURST)))
    return set(acknowledged), killed.is_set()


def _live_stream_sees_a_new_delivery(server: Server) -> None:
    with httpx.stream("GET", f"{server.url}/api/stream", headers=AUTH, timeout=30) as stream:
        body = json.dumps(github_json("ping.json")).encode()
        posted = httpx.post(f"{server.url}/webhooks/github", content=body, headers=signed(body, "ping", "live-ping"))
        assert posted.status_code == 202
        for line in stream.iter_lines():
            if line.startswith("data: "):
                entry = json.loads(line[6:])
                assert (entry["detail_type"], entry["correlation_id"]) == ("WebhookIgnored", "live-ping")
                return
