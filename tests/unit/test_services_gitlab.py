"""The gitlab service's merge request note: one per app and merge request, rendered from the environments
table, and only for GitLab's previews (its rules filter the provider; GitHub's never see them)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bus.patterns import matches_pattern
from events import EnvironmentStatusChanged, EnvironmentStopped, PullRequestCommentUpserted
from events.models import EnvironmentStatus as S
from ports import Settings
from services.gitlab import SERVICE, marker
from services.gitlab.notes import on_status_changed, on_stopped
from sim.fakes import Fakes
from spec.contract import Contract
from tests.builders import SHA_A, a_preview_event, an_app, an_environment

REPOSITORY = "gitlabhq/gitlab-test"


def status_event(status: str = "running") -> EnvironmentStatusChanged:
    return a_preview_event(
        EnvironmentStatusChanged,
        provider="gitlab",
        repository=REPOSITORY,
        pr_number=1,
        deployment_id="dep_1",
        sha=SHA_A,
        previous_status="running-server",
        status=status,
        test_results=[],
        endpoints=[],
        error_message=None,
    )


def gitlab_world() -> Fakes:
    fakes = Fakes()
    fakes.apps.put(an_app(provider="gitlab", repository=REPOSITORY, installation_id=1))
    fakes.environments.put(replace(an_environment(status=S.running, pr_number=1), repository=REPOSITORY))
    return fakes


def test_a_status_change_creates_the_note_then_updates_it_in_place() -> None:
    fakes = gitlab_world()
    [created] = on_status_changed(status_event(), fakes.ports())
    fakes.environments.put(replace(an_environment(status=S.stopped, pr_number=1), repository=REPOSITORY))
    stopped = a_preview_event(
        EnvironmentStopped,
        provider="gitlab",
        repository=REPOSITORY,
        pr_number=1,
        deployment_id="dep_1",
        reason="pull-request-closed",
    )
    [updated] = on_stopped(stopped, fakes.ports())
    assert isinstance(created, PullRequestCommentUpserted) and created.created and created.provider == "gitlab"
    assert isinstance(updated, PullRequestCommentUpserted) and not updated.created
    assert created.comment_id == updated.comment_id
    [note] = fakes.gitlab.notes_on(REPOSITORY, 1)
    assert note.marker == marker("app_1") and note.project_id == 1
    assert "| `changes` @ `f95f852` | stopped ⏹️ | - |" in note.body
    assert fakes.github.calls == []  # GitHub is never asked about a GitLab merge request


def test_an_unchanged_note_is_not_sent_again() -> None:
    fakes = gitlab_world()
    on_status_changed(status_event(), fakes.ports())
    assert on_status_changed(status_event(), fakes.ports()) == []
    assert len(fakes.gitlab.called("upsert_merge_request_note")) == 1


def _wire(message: str, rule_source: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"detail-type": message, "source": rule_source, "detail": detail}


@pytest.mark.parametrize("message", ["EnvironmentStatusChanged", "EnvironmentStopped", "EndpointsChanged"])
def test_each_provider_hears_only_its_own_previews(message: str) -> None:
    rules = {
        r.service: r for r in Contract.load().rules() if r.message == message and r.service in ("github", "gitlab")
    }
    source = rules["gitlab"].pattern["source"][0]
    for provider in ("github", "gitlab"):
        detail = {"type": "preview", "provider": provider}
        heard = {s for s, rule in rules.items() if matches_pattern(rule.pattern, _wire(message, source, detail))}
        assert heard == {provider}


def test_the_service_declares_its_door_and_three_handlers() -> None:
    assert set(SERVICE.edges) == {"gitlab-webhook"}
    assert {c.__name__ for c in SERVICE.handlers} == {
        "EnvironmentStatusChanged",
        "EnvironmentStopped",
        "EndpointsChanged",
    }


@pytest.mark.parametrize("console_page", [True, False])
def test_the_note_links_the_console_page_that_opens_the_preview_where_there_is_one(console_page: bool) -> None:
    fakes = gitlab_world()
    on_status_changed(status_event(), fakes.ports(Settings(console_page=console_page)))
    [note] = fakes.gitlab.notes_on(REPOSITORY, 1)
    if console_page:  # the console is one page, opened at the environment named after the #
        assert "| Console |" in note.body and "[env_1](http://127.0.0.1:8080/#environment=env_1) |" in note.body
    else:
        assert "| Preview | Status | Endpoints |\n|---|---|---|\n" in note.body and "8080" not in note.body
