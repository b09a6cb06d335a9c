"""A real `wingcloud serve` with the local runtime, on repositories on disk: what the runtime tests, the
end-to-end test with real winglang, and `benchmarks/runtime.py` drive. Webhooks are signed sample deliveries,
as `wingcloud trigger` sends them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.github.samples import sample_delivery
from tests.adapters.local.conftest import SECRET, TOKEN
from tests.adapters.local.process import Server, free_port, wait_for
from tests.agent.conftest import commit, git

REPOSITORY = "acme/hello"
MARK = "WINGCLOUD_MACHINES"


class RuntimeBench:
    """`serve --repos DIR` with WINGCLOUD_RUNTIME=local; the app's repository is DIR/acme/hello."""

    def __init__(self, tmp: Path, wing: str, *, env: dict[str, str] | None = None) -> None:
        self.repos = tmp / "repos"
        self.repo = self.repos / REPOSITORY
        self.data = tmp / "data"
        env = {
            "WINGCLOUD_RUNTIME": "local",
            "WINGCLOUD_WING": wing,
            "WINGCLOUD_RUNTIME_STEP_SECONDS": "0",
            **(env or {}),
        }
        self.server = Server(self.data, free_port(), args=("--repos", str(self.repos)), env=env)
        self.api = httpx.Client(base_url=self.server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)

    # --- the repository ----------------------------------------------------------------------------------

    def commit(self, files: dict[str, str], branch: str = "main", message: str = "change") -> str:
        """Commit `files` on `branch` (made from main when new); the work tree is left on main."""
        if not (self.repo / ".git").exists():
            commit(self.repo, {}, "first")
        exists = git(self.repo, "branch", "--list", branch) != ""
        git(self.repo, "checkout", "-q", *((branch,) if exists else ("-b", branch, "main")))
        sha = commit(self.repo, files, message)
        git(self.repo, "checkout", "-q", "main")
        return sha

    # --- the server --------------------------------------------------------------------------------------

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()
        self.api.close()

    def create_app(self, entrypoint: str = "main.w") -> dict[str, Any]:
        body = {"name": "hello", "repository": REPOSITORY, "default_branch": "main", "installation_id": 1}
        response = self.api.post("/api/apps", json={**body, "entrypoint": entrypoint})
        assert response.status_code == 201, response.text
        app: dict[str, Any] = response.json()
        return app

    def webhook(self, kind: str, branch: str, sha: str, number: int = 1) -> None:
        delivery = sample_delivery(kind, repository=REPOSITORY, branch=branch, sha=sha, number=number)
        response = httpx.post(
            f"{self.server.url}/webhooks/github", content=delivery.body, headers=delivery.headers(SECRET)
        )
        assert response.status_code == 202, response.text

    def environments(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.api.get("/api/environments").json()
        return listed

    def environment(self, *, branch: str, deployment: str | None = None) -> dict[str, Any] | None:
        for env in self.environments():
            if env["branch"] == branch and (deployment is None or env["deployment_id"] != deployment):
                return env
        return None

    def settled(self, branch: str, *, after: str | None = None, timeout: float = 120) -> dict[str, Any]:
        """The branch's environment once a deployment (other than `after`) is running, in error or stopped."""

        def done() -> dict[str, Any] | None:
            env = self.environment(branch=branch, deployment=after)
            return env if env and env["status"] in ("running", "error", "stopped") else None

        found: dict[str, Any] = wait_for(done, f"{branch} to settle", timeout=timeout)
        return found

    def logs(self, environment_id: str) -> str:
        logs: str = self.api.get(f"/api/environments/{environment_id}/logs").json()["logs"]
        return logs

    def get(self, url: str) -> httpx.Response:
        """An endpoint URL as a browser would ask it: `*.localhost` is this machine (RFC 6761), whatever the
        resolver here says, so connect to 127.0.0.1 with the URL's host name."""
        parts = urlsplit(url)
        target = f"http://127.0.0.1:{parts.port}{parts.path or '/'}"
        return httpx.get(target, headers={"Host": parts.netloc}, timeout=10)

    def processes(self) -> list[int]:
        """Every process a machine of this server started (they carry its machines folder in their env)."""
        mine = f"{MARK}={self.data / 'machines'}".encode()
        found = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                if mine in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
        return found


def app_source(body: str) -> dict[str, str]:
    """A small Wing app: an API that answers `body`, logs each request, and a test of it."""
    return {
        "main.w": f"""bring cloud;
bring http;

let api = new cloud.Api();
api.get("/", inflight (req) => {{
  log("serving a request");
  return cloud.ApiResponse {{ status: 200, body: "{body}" }};
}});

test "the api answers" {{
  let res = http.get(api.url);
  assert(res.body == "{body}");
}}
""",
        ".gitignore": "target/\nnode_modules/\n",
    }


def fake_app(body: str, **behaviour: object) -> dict[str, str]:
    """The same app for the fake `wing` (tests/agent/fake_wing.py)."""
    return {"main.w": "bring cloud;\n", "fake-wing.json": json.dumps({"body": body, **behaviour})}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
