"""The github service's pull-request comment: one per app and PR, rendered from the environments table."""

from __future__ import annotations

from events import EndpointsChanged, EnvironmentStatusChanged, PullRequestCommentUpserted
from events.models import EnvironmentStatus as S
from events.models import EnvironmentType
from ports import Settings
from services.github import SERVICE, marker
from services.github.comments import on_endpoints_changed, on_status_changed, refresh_comment
from sim.fakes import Fakes
from tests.builders import SHA_A, a_preview_event, an_app, an_environment


def status_event(app_id: str = "app_1", pr_number: int | None = 2) -> EnvironmentStatusChanged:
    return a_preview_event(
        EnvironmentStatusChanged,
        app_id=app_id,
        pr_number=pr_number,
        deployment_id="dep_1",
        sha=SHA_A,
        previous_status="running-server",
        status="running",
        test_results=[],
        endpoints=[],
        error_message=None,
    )


def endpoints_event() -> EndpointsChanged:
    return EndpointsChanged.model_validate(
        {
            "environment_id": "env_1",
            "app_id": "app_1",
            "type": "preview",
            "repository": "Codertocat/Hello-World",
            "pr_number": 2,
            "records": [
                {"label": "website", "hostname": "website-env-1.wingcloud.test", "target_url": "https://wc.fly.dev/"}
            ],
        }
    )


def test_a_status_change_creates_the_comment_then_updates_it_in_place() -> None:
    fakes = Fakes()
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment(status=S.deploying))
    [created] = on_status_changed(status_event(), fakes.ports())
    fakes.environments.put(an_environment(status=S.running))
    [updated] = on_endpoints_changed(endpoints_event(), fakes.ports())
    assert isinstance(created, PullRequestCommentUpserted) and created.created
    assert isinstance(updated, PullRequestCommentUpserted) and not updated.created
    assert created.comment_id == updated.comment_id
    [comment] = fakes.github.comments_on("Codertocat/Hello-World", 2)
    assert comment.marker == marker("app_1") and comment.installation_id == 1
    assert "| `changes` @ `f95f852` | running ✅ | [website](https://website-env-1.wingcloud.test) |" in comment.body
    assert "[env_1](http://127.0.0.1:8080/#environment=env_1)" in comment.body


def test_an_unchanged_comment_is_not_sent_again() -> None:
    fakes = Fakes()
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment())
    on_status_changed(status_event(), fakes.ports())
    assert on_status_changed(status_event(), fakes.ports()) == []
    assert len(fakes.github.called("upsert_pull_request_comment")) == 1


def test_each_app_has_its_own_comment_listing_only_its_previews() -> None:
    fakes = Fakes()
    fakes.apps.put(an_app("app_1"))
    fakes.apps.put(an_app("app_2", name="other", owner="octocat"))
    fakes.environments.put(an_environment("env_1", app_id="app_1"))
    fakes.environments.put(an_environment("env_2", app_id="app_2", status=S.error))
    fakes.environments.put(an_environment("env_3", app_id="app_1", pr_number=3))
    fakes.environments.put(an_environment("env_4", app_id="app_1", env_type=EnvironmentType.production))
    on_status_changed(status_event("app_1"), fakes.ports())
    on_status_changed(status_event("app_2"), fakes.ports())
    first, second = fakes.github.comments_on("Codertocat/Hello-World", 2)
    assert "env_1" in first.body and "env_3" not in first.body and "env_4" not in first.body
    assert "env_2" in second.body and "error ❌" in second.body and "### wing.cloud · other" in second.body


def test_a_deleted_apps_comment_says_so() -> None:
    fakes = Fakes()
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment())
    on_status_changed(status_event(), fakes.ports())
    fakes.apps.delete("app_1")
    fakes.environments.delete("env_1")
    [updated] = refresh_comment("app_1", "Codertocat/Hello-World", 2, fakes.ports())
    assert isinstance(updated, PullRequestCommentUpserted) and not updated.created
    [comment] = fakes.github.comments_on("Codertocat/Hello-World", 2)
    assert "This app was deleted" in comment.body


def test_no_comment_without_a_pull_request_or_an_app() -> None:
    fakes = Fakes()
    fakes.apps.put(an_app())
    assert on_status_changed(status_event(pr_number=None), fakes.ports()) == []
    assert on_status_changed(status_event("app_404"), fakes.ports()) == []
    assert fakes.github.calls == []


def test_the_service_listens_to_preview_changes() -> None:
    assert {c.__name__ for c in SERVICE.handlers} == {
        "EnvironmentStatusChanged",
        "EnvironmentStopped",
        "EndpointsChanged",
    }


def test_without_a_console_page_the_comment_has_no_console_column() -> None:
    """On AWS the ingress serves the API and the doors only: a console link would answer 404."""
    fakes = Fakes()
    fakes.apps.put(an_app())
    fakes.environments.put(an_environment(status=S.running))
    on_status_changed(status_event(), fakes.ports(Settings(console_page=False)))
    [comment] = fakes.github.comments_on("Codertocat/Hello-World", 2)
    assert (
        "| Preview | Status | Endpoints |\n|---|---|---|\n| `changes` @ `f95f852` | running ✅ | - |\n" in comment.body
    )
    assert "#environment=" not in comment.body
