"""The `GitHub` port's contract, run against the simulator's fake and the real App client over an emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.github import GitHubAppClient, GitHubError
from ports import GitHub

APP_ID = "29310"
NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class GitHubEmulator:
    """Just enough of api.github.com: App JWT checks, installation tokens, issue comments, hook config."""

    def __init__(self, public_key: Any) -> None:
        self.public_key = public_key
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.hook_config: dict[str, Any] = {}
        self.branches: dict[tuple[str, str], dict[str, Any]] = {}
        self.tokens: dict[str, int] = {}
        self.expires_at = "2099-01-01T00:00:00Z"
        self.requests: list[tuple[str, str]] = []
        self._next_id = 1000

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        parts = request.url.path.strip("/").split("/")
        if parts[0] == "app":
            claims = jwt.decode(bearer, self.public_key, algorithms=["RS256"], options={"verify_exp": False})
            assert claims["iss"] == APP_ID and claims["exp"] - claims["iat"] <= 600
            if parts[1] == "installations":
                token = f"ghs_{len(self.tokens) + 1}"
                self.tokens[token] = int(parts[2])
                return httpx.Response(201, json={"token": token, "expires_at": self.expires_at})
            self.hook_config.update(json.loads(request.content))
            return httpx.Response(200, json=self.hook_config)
        if bearer not in self.tokens:
            return httpx.Response(401, json={"message": "Bad credentials"})
        repo = f"{parts[1]}/{parts[2]}"
        if parts[3] == "branches":
            found = self.branches.get((repo, "/".join(parts[4:])))
            return (
                httpx.Response(200, json=found) if found else httpx.Response(404, json={"message": "Branch not found"})
            )
        if parts[3:5] == ["issues", "comments"]:
            for thread in self.comments.values():
                for comment in thread:
                    if comment["id"] == int(parts[5]):
                        comment["body"] = json.loads(request.content)["body"]
                        return httpx.Response(200, json=comment)
            return httpx.Response(404, json={"message": "Not Found"})
        thread = self.comments.setdefault((repo, int(parts[4])), [])
        if request.method == "GET":
            page, per_page = int(request.url.params["page"]), int(request.url.params["per_page"])
            return httpx.Response(200, json=thread[(page - 1) * per_page : page * per_page])
        self._next_id += 1
        thread.append({"id": self._next_id, "body": json.loads(request.content)["body"]})
        return httpx.Response(201, json=thread[-1])


@pytest.fixture
def emulator(private_key: rsa.RSAPrivateKey) -> GitHubEmulator:
    return GitHubEmulator(private_key.public_key())


@pytest.fixture
def real(emulator: GitHubEmulator, private_key: rsa.RSAPrivateKey) -> GitHubAppClient:
    http = httpx.Client(transport=httpx.MockTransport(emulator.handle))
    return GitHubAppClient(APP_ID, _pem(private_key), client=http, now=lambda: NOW)


def _fake() -> GitHub:
    from sim.fakes import FakeGitHub

    return FakeGitHub()


@pytest.fixture(params=["fake", "real"])
def github(request: pytest.FixtureRequest) -> GitHub:
    factories: dict[str, Callable[[], GitHub]] = {"fake": _fake, "real": lambda: request.getfixturevalue("real")}
    return factories[request.param]()


# --- the contract: every implementation of the port ---------------------------------------------------


def test_first_upsert_creates_and_the_second_updates_the_same_comment(github: GitHub) -> None:
    first = github.upsert_pull_request_comment(1, "Codertocat/Hello-World", 2, "<!-- app_a -->", "deploying")
    second = github.upsert_pull_request_comment(1, "Codertocat/Hello-World", 2, "<!-- app_a -->", "running")
    assert first.created and not second.created
    assert first.id == second.id


def test_each_marker_gets_its_own_comment(github: GitHub) -> None:
    a = github.upsert_pull_request_comment(1, "Codertocat/Hello-World", 2, "<!-- app_a -->", "a")
    b = github.upsert_pull_request_comment(1, "Codertocat/Hello-World", 2, "<!-- app_b -->", "b")
    assert a.created and b.created and a.id != b.id


def test_the_same_marker_on_another_pull_request_is_another_comment(github: GitHub) -> None:
    a = github.upsert_pull_request_comment(1, "Codertocat/Hello-World", 2, "<!-- app_a -->", "a")
    b = github.upsert_pull_request_comment(1, "Codertocat/Hello-World", 3, "<!-- app_a -->", "a")
    assert b.created and a.id != b.id


def test_an_installation_token_is_a_token_for_that_installation(github: GitHub) -> None:
    first, again = github.installation_token(7), github.installation_token(7)
    assert first.startswith("ghs_") and again == first
    assert github.installation_token(8) != first


def test_updating_the_webhook_url_twice_leaves_it_set(github: GitHub, request: pytest.FixtureRequest) -> None:
    github.update_webhook_url("https://old.example/webhooks/github")
    github.update_webhook_url("https://wingcloud.example/webhooks/github")
    github.update_webhook_url("https://wingcloud.example/webhooks/github")
    if isinstance(github, GitHubAppClient):
        emulator: GitHubEmulator = request.getfixturevalue("emulator")
        assert emulator.hook_config["url"] == "https://wingcloud.example/webhooks/github"
        assert emulator.hook_config["content_type"] == "json"
    else:
        assert github.webhook_url == "https://wingcloud.example/webhooks/github"  # type: ignore[attr-defined]


def test_a_missing_branch_has_no_head(github: GitHub) -> None:
    assert github.get_branch_head(1, "Codertocat/Hello-World", "no-such-branch") is None


# --- the real client against the emulator ---------------------------------------------------------------


def test_the_comment_body_on_github_is_replaced_and_carries_the_marker(
    real: GitHubAppClient, emulator: GitHubEmulator
) -> None:
    real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "one")
    real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "two")
    assert [c["body"] for c in emulator.comments[("o/r", 2)]] == ["two\n\n<!-- m -->"]


def test_the_marker_is_found_beyond_the_first_page_of_comments(real: GitHubAppClient, emulator: GitHubEmulator) -> None:
    emulator.comments[("o/r", 2)] = [{"id": i, "body": f"human {i}"} for i in range(1, 151)]
    created = real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "ours")
    again = real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "ours, updated")
    assert created.created and not again.created and again.id == created.id
    assert len(emulator.comments[("o/r", 2)]) == 151
    assert emulator.comments[("o/r", 2)][0]["body"] == "human 1"


def test_an_unchanged_body_is_not_patched(real: GitHubAppClient, emulator: GitHubEmulator) -> None:
    real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "same <!-- m -->")
    real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "same <!-- m -->")
    assert [m for m, _ in emulator.requests].count("PATCH") == 0


def test_the_installation_token_is_fetched_once_and_reused(real: GitHubAppClient, emulator: GitHubEmulator) -> None:
    real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "a")
    real.upsert_pull_request_comment(7, "o/r", 3, "<!-- m -->", "b")
    assert ("POST", "/app/installations/7/access_tokens") in emulator.requests
    assert emulator.tokens == {"ghs_1": 7}


def test_a_handed_out_token_has_a_quarter_of_an_hour_left(real: GitHubAppClient, emulator: GitHubEmulator) -> None:
    """A machine boots, then clones with it: a cached token that expires sooner is replaced."""
    emulator.expires_at = datetime.fromtimestamp(NOW + 10 * 60, UTC).isoformat()
    real.upsert_pull_request_comment(7, "o/r", 2, "<!-- m -->", "a")  # caches ghs_1, good for its own calls
    real.get_branch_head(7, "o/r", "main")
    assert emulator.tokens == {"ghs_1": 7}
    assert real.installation_token(7) == "ghs_2"
    emulator.expires_at = "2099-01-01T00:00:00Z"
    assert real.installation_token(7) == "ghs_3"
    assert real.installation_token(7) == "ghs_3"


def test_the_app_jwt_is_rs256_backdated_and_short_lived(real: GitHubAppClient, private_key: rsa.RSAPrivateKey) -> None:
    claims = jwt.decode(real.app_jwt(), private_key.public_key(), algorithms=["RS256"], options={"verify_exp": False})
    assert claims == {"iss": APP_ID, "iat": int(NOW) - 60, "exp": int(NOW) + 540}


def test_the_webhook_url_goes_to_the_app_hook_config(real: GitHubAppClient, emulator: GitHubEmulator) -> None:
    real.update_webhook_url("https://wingcloud.example/webhooks/github")
    assert emulator.hook_config == {"url": "https://wingcloud.example/webhooks/github", "content_type": "json"}


def test_an_error_status_names_the_call_and_the_status(private_key: rsa.RSAPrivateKey) -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(403, json={"message": "nope"})))
    client = GitHubAppClient(APP_ID, _pem(private_key), client=http, now=lambda: NOW)
    with pytest.raises(GitHubError, match=r"POST /app/installations/9/access_tokens answered 403"):
        client.upsert_pull_request_comment(9, "o/r", 1, "<!-- m -->", "x")


def test_a_branch_head_is_its_last_commit(real: GitHubAppClient, emulator: GitHubEmulator) -> None:
    sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    emulator.branches[("o/r", "feature/x")] = {
        "name": "feature/x",
        "commit": {"sha": sha, "commit": {"message": "fix"}},
    }
    head = real.get_branch_head(7, "o/r", "feature/x")
    assert head is not None and (head.sha, head.message) == (sha, "fix")
