"""The apps directory: validated creation, deletion, entrypoint changes and last commits from pushes."""

from __future__ import annotations

import pytest

from events import AppCreated, AppDeleted, AppEntrypointChanged, AppLastCommitUpdated, BranchPushed
from events.models import EventMetadata
from services.apps import (
    InvalidAppError,
    UnknownAppError,
    change_entrypoint,
    create_app,
    delete_app,
    list_apps,
)
from services.apps.handlers import record_last_commit
from sim.fakes import EPOCH, Fakes
from tests.builders import SHA_A, SHA_B
from tests.kernel import Kernel

REPO = "Codertocat/Hello-World"


@pytest.fixture
def fakes() -> Fakes:
    fakes = Fakes()
    fakes.github.set_branch_head(REPO, "master", SHA_A, "Initial commit")
    return fakes


def make(fakes: Fakes, **changes: object):
    fields: dict[str, object] = {
        "owner": "codertocat",
        "name": "hello",
        "repository": REPO,
        "default_branch": "master",
        "entrypoint": "main.w",
        "installation_id": 1,
    }
    fields |= changes
    return create_app(ports=fakes.ports(), **fields)  # type: ignore[arg-type]


def test_an_app_starts_at_the_last_commit_of_its_default_branch(fakes: Fakes) -> None:
    app, published = make(fakes)
    assert (app.id, app.last_commit_sha, app.last_commit_message) == ("app_00001", SHA_A, "Initial commit")
    assert published == [
        AppCreated(
            app_id="app_00001",
            app_name="hello",
            owner="codertocat",
            repository=REPO,
            default_branch="master",
            entrypoint="main.w",
            installation_id=1,
        )
    ]
    assert fakes.apps.get(app.id) == app


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "hello world"}, "name"),
        ({"name": ""}, "name"),
        ({"repository": "no-slash"}, "repository"),
        ({"repository": "a/b/c"}, "repository"),
        ({"entrypoint": "main.py"}, "entrypoint"),
        ({"default_branch": "bad branch"}, "default_branch"),
        ({"default_branch": "gh-pages"}, "default_branch"),
        ({"installation_id": 0}, "installation_id"),
        ({"owner": ""}, "owner"),
    ],
)
def test_invalid_apps_are_refused_naming_the_field(fakes: Fakes, changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAppError, match=rf"^{field}: ") as error:
        make(fakes, **changes)
    assert error.value.field == field
    assert fakes.apps.list_all() == []


def test_names_are_unique_per_owner_not_globally(fakes: Fakes) -> None:
    make(fakes)
    make(fakes, owner="octocat")
    with pytest.raises(InvalidAppError, match="already used by another app of codertocat"):
        make(fakes)


def test_list_by_repository_returns_every_users_apps(fakes: Fakes) -> None:
    make(fakes)
    make(fakes, owner="octocat", repository="codertocat/hello-world")
    fakes.github.set_branch_head("octocat/Spoon-Knife", "main", SHA_B)
    make(fakes, name="spoon", repository="octocat/Spoon-Knife", default_branch="main")
    assert [a.owner for a in list_apps(fakes.ports(), repository=REPO)] == ["codertocat", "octocat"]
    assert len(list_apps(fakes.ports(), owner="codertocat")) == 2


def test_delete_and_unknown_apps(fakes: Fakes) -> None:
    app, _ = make(fakes)
    assert delete_app(app.id, fakes.ports())[1] == [AppDeleted(app_id=app.id, repository=REPO)]
    with pytest.raises(UnknownAppError, match="no app with id 'app_00001'"):
        delete_app(app.id, fakes.ports())


def test_changing_the_entrypoint(fakes: Fakes) -> None:
    app, _ = make(fakes)
    changed, published = change_entrypoint(app.id, "src/main.w", fakes.ports())
    assert changed.entrypoint == "src/main.w"
    assert published == [AppEntrypointChanged(app_id=app.id, entrypoint="src/main.w", previous_entrypoint="main.w")]
    assert change_entrypoint(app.id, "src/main.w", fakes.ports())[1] == []
    with pytest.raises(InvalidAppError, match=r"^entrypoint: "):
        change_entrypoint(app.id, "src/main.js", fakes.ports())


def test_a_push_to_the_default_branch_updates_the_last_commit_once(fakes: Fakes) -> None:
    app, _ = make(fakes)
    push = BranchPushed(
        delivery_id="d",
        installation_id=1,
        repository=REPO,
        branch="master",
        before_sha=SHA_A,
        after_sha=SHA_B,
        forced=False,
        head_commit_message="Merge pull request #2",
        pusher="codertocat",
    )
    assert record_last_commit(push, fakes.ports()) == [
        AppLastCommitUpdated(app_id=app.id, branch="master", sha=SHA_B, message="Merge pull request #2")
    ]
    assert record_last_commit(push, fakes.ports()) == []
    assert record_last_commit(push.model_copy(update={"branch": "changes"}), fakes.ports()) == []
    stored = fakes.apps.get(app.id)
    assert stored is not None and stored.last_commit_sha == SHA_B


def test_a_late_duplicate_of_an_older_push_keeps_the_newer_last_commit(fakes: Fakes) -> None:
    app, _ = make(fakes)
    newer_sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

    def push(event_id: str, before: str, after: str) -> BranchPushed:
        event = BranchPushed(
            delivery_id=event_id,
            installation_id=1,
            repository=REPO,
            branch="master",
            before_sha=before,
            after_sha=after,
            forced=False,
            head_commit_message=None,
            pusher="codertocat",
        )
        metadata = EventMetadata(event_id=event_id, correlation_id=event_id, causation_id=None, occurred_at=EPOCH)
        return event.model_copy(update={"metadata": metadata})

    older, newer = push("e1", SHA_A, SHA_B), push("e2", SHA_B, newer_sha)
    kernel = Kernel("apps", fakes.ports())  # duplicates are skipped by the kernel, as on every backend
    assert len(kernel.deliver(record_last_commit, older)) == 1 and len(kernel.deliver(record_last_commit, newer)) == 1
    assert kernel.deliver(record_last_commit, older) == []  # at-least-once: e1 delivered again, after e2
    stored = fakes.apps.get(app.id)
    assert stored is not None and stored.last_commit_sha == newer_sha
