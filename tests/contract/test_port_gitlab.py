"""The `GitLab` port's contract, run against the simulator's fake and the real client over an emulator of
GitLab's REST API (v4): the same behaviour from both, so the scenarios that run on the fake say something
about the real client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.gitlab import GitLabClient, GitLabError
from ports import GitLab

TOKEN = "glpat-emulated"
PROJECT_ID, REPOSITORY = 1, "gitlabhq/gitlab-test"


class GitLabEmulator:
    """Just enough of GitLab's API v4: token checks, branches, merge request notes (paged), by project id."""

    def __init__(self) -> None:
        self.projects = {PROJECT_ID: REPOSITORY}
        self.notes: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.branches: dict[tuple[int, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self._next_id = 300

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        if request.headers.get("PRIVATE-TOKEN") != TOKEN:
            return httpx.Response(401, json={"message": "401 Unauthorized"})
        parts = request.url.path.removeprefix("/api/v4/").split("/")
        assert parts[0] == "projects", request.url.path
        project = int(parts[1])
        if project not in self.projects:
            return httpx.Response(404, json={"message": "404 Project Not Found"})
        if parts[2:4] == ["repository", "branches"]:
            found = self.branches.get((project, "/".join(parts[4:])))
            return (
                httpx.Response(200, json=found)
                if found
                else httpx.Response(404, json={"message": "404 Branch Not Found"})
            )
        assert parts[2] == "merge_requests" and parts[4] == "notes", request.url.path
        thread = self.notes.setdefault((project, int(parts[3])), [])
        if request.method == "GET":
            page, per_page = int(request.url.params["page"]), int(request.url.params["per_page"])
            return httpx.Response(200, json=thread[(page - 1) * per_page : page * per_page])
        body = json.loads(request.content)["body"]
        if request.method == "PUT":
            [note] = [n for n in thread if n["id"] == int(parts[5])]
            note["body"] = body
            return httpx.Response(200, json=note)
        self._next_id += 1
        thread.append({"id": self._next_id, "body": body, "system": False})
        return httpx.Response(201, json=thread[-1])


@pytest.fixture
def emulator() -> GitLabEmulator:
    return GitLabEmulator()


@pytest.fixture
def real(emulator: GitLabEmulator) -> GitLabClient:
    http = httpx.Client(transport=httpx.MockTransport(emulator.handle))
    return GitLabClient(TOKEN, base_url="https://gitlab.example.com", client=http)


def _fake() -> GitLab:
    from sim.fakes import FakeGitLab

    return FakeGitLab()


@pytest.fixture(params=["fake", "real"])
def gitlab(request: pytest.FixtureRequest) -> GitLab:
    factories: dict[str, Callable[[], GitLab]] = {"fake": _fake, "real": lambda: request.getfixturevalue("real")}
    return factories[request.param]()


def _arrange_branch(gitlab: GitLab, request: pytest.FixtureRequest, branch: str, sha: str, message: str) -> None:
    """Put a branch on the project, in whichever GitLab this is."""
    if request.node.callspec.params["gitlab"] == "fake":
        gitlab.set_branch_head(REPOSITORY, branch, sha, message)  # type: ignore[attr-defined]
    else:
        emulator: GitLabEmulator = request.getfixturevalue("emulator")
        emulator.branches[(PROJECT_ID, branch)] = {"name": branch, "commit": {"id": sha, "message": message}}


# --- the contract: every implementation of the port ---------------------------------------------------


def test_first_upsert_creates_and_the_second_updates_the_same_note(gitlab: GitLab) -> None:
    first = gitlab.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- app_a -->", "deploying")
    second = gitlab.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- app_a -->", "running")
    assert first.created and not second.created
    assert first.id == second.id


def test_each_marker_gets_its_own_note(gitlab: GitLab) -> None:
    a = gitlab.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- app_a -->", "a")
    b = gitlab.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- app_b -->", "b")
    assert a.id != b.id and a.created and b.created


def test_each_merge_request_gets_its_own_note(gitlab: GitLab) -> None:
    one = gitlab.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- app_a -->", "a")
    two = gitlab.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 2, "<!-- app_a -->", "a")
    assert one.id != two.id and two.created


def test_a_branch_head_is_its_last_commit_and_an_unknown_branch_is_none(
    gitlab: GitLab, request: pytest.FixtureRequest
) -> None:
    sha = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    _arrange_branch(gitlab, request, "feature/x", sha, "fixed readme")
    head = gitlab.get_branch_head(PROJECT_ID, REPOSITORY, "feature/x")
    assert head is not None and (head.sha, head.message) == (sha, "fixed readme")
    assert gitlab.get_branch_head(PROJECT_ID, REPOSITORY, "nope") is None


def test_clone_access_is_an_https_url_of_the_project_cloned_as_oauth2(gitlab: GitLab) -> None:
    access = gitlab.clone_access(PROJECT_ID, REPOSITORY)
    assert access.url.startswith("https://") and access.url.endswith(f"/{REPOSITORY}.git")
    assert access.username == "oauth2" and access.token and "@" not in access.url


# --- the real client only: what the emulator can see ----------------------------------------------------


def test_the_real_client_finds_its_note_on_a_later_page(real: GitLabClient, emulator: GitLabEmulator) -> None:
    emulator.notes[(PROJECT_ID, 1)] = [{"id": i, "body": f"someone else {i}", "system": False} for i in range(150)]
    created = real.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- app_a -->", "first")
    again = real.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- app_a -->", "second")
    assert created.id == again.id and not again.created
    assert emulator.notes[(PROJECT_ID, 1)][-1]["body"] == "second\n\n<!-- app_a -->"


def test_an_unchanged_body_is_not_sent_again(real: GitLabClient, emulator: GitLabEmulator) -> None:
    real.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- m -->", "same <!-- m -->")
    real.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- m -->", "same <!-- m -->")
    assert [m for m, _ in emulator.requests].count("PUT") == 0


def test_the_real_client_addresses_the_project_by_id_and_escapes_branch_names(
    real: GitLabClient, emulator: GitLabEmulator
) -> None:
    real.get_branch_head(PROJECT_ID, REPOSITORY, "feature/x")
    [(_, path)] = emulator.requests
    assert path == "/api/v4/projects/1/repository/branches/feature%2Fx" or path.endswith("branches/feature/x")


def test_a_refusal_names_the_call_and_the_answer(emulator: GitLabEmulator) -> None:
    http = httpx.Client(transport=httpx.MockTransport(emulator.handle))
    wrong = GitLabClient("glpat-wrong", client=http)
    with pytest.raises(
        GitLabError, match=r"GitLab POST /projects/1/merge_requests/1/notes answered 401|GET .* answered 401"
    ):
        wrong.upsert_merge_request_note(PROJECT_ID, REPOSITORY, 1, "<!-- m -->", "x")
