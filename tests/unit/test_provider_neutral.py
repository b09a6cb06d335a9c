"""Provider-neutral events (docs/decisions/0008-provider-neutral-events.md): every pull-request, push and
environment event names its code host; routing keeps one provider's events away from another's services."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from agent.steps import clone_source
from bus.envelope import Envelope
from bus.errors import InvalidEventError
from bus.patterns import matches_pattern
from events import (
    BranchPushed,
    EnvironmentDeployRequested,
    EnvironmentStatusChanged,
    PullRequestOpened,
    RuntimeProvisioned,
)
from events.models import EnvironmentStatus, EnvironmentType
from services.apps import InvalidAppError, create_app
from services.apps.handlers import record_last_commit
from services.environments import apps, pull_requests
from services.runtime.handlers import provision_deployment
from sim.fakes import Fakes
from spec.contract import Contract
from tests.builders import SHA_A, SHA_B, a_preview_event, an_app, an_environment

OTHER = "elsewhere"  # a provider these services do not know: its events must reach none of GitHub's code


def opened(provider: str = "github") -> PullRequestOpened:
    return PullRequestOpened(
        provider=provider,
        delivery_id="d-1",
        installation_id=1,
        repository="Codertocat/Hello-World",
        pr_number=2,
        title="Update the README",
        head_branch="changes",
        head_sha=SHA_B,
        base_branch="master",
        head_repository="Codertocat/Hello-World",
        is_fork=False,
        sender_login="Codertocat",
    )


def _wire(detail_type: str, source: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"detail-type": detail_type, "source": source, "detail": detail}


@pytest.mark.parametrize("message", ["EnvironmentStatusChanged", "EnvironmentStopped", "EndpointsChanged"])
def test_githubs_comment_rules_take_githubs_previews_only(message: str) -> None:
    [rule] = [r for r in Contract.load().rules() if r.service == "github" and r.message == message]
    source = rule.pattern["source"][0]
    preview = {"type": "preview", "environment_id": "env_1"}
    assert matches_pattern(rule.pattern, _wire(message, source, {**preview, "provider": "github"}))
    assert not matches_pattern(rule.pattern, _wire(message, source, {**preview, "provider": OTHER}))
    assert not matches_pattern(rule.pattern, _wire(message, source, {**preview, "type": "production"}))
    # an event sent before the field existed (an old sender mid-deploy, a replay) was GitHub's: it still arrives
    assert matches_pattern(rule.pattern, _wire(message, source, preview))


def test_a_provider_that_is_not_a_name_is_never_published() -> None:
    """The rules' exists:false is only ever asked about a string or no field: the sender refuses anything else."""
    example = Contract.load().messages["EnvironmentStopped"].examples[0]["payload"]
    for wrong in ([], ["github"], None, 1):
        detail = {**example, "provider": wrong}
        envelope = Envelope.from_wire(
            {
                "id": example["metadata"]["event_id"],
                "detail-type": "EnvironmentStopped",
                "source": "wingcloud.environments",
                "account": "123456789012",
                "time": "2026-11-28T06:46:00Z",
                "region": "us-east-1",
                "detail": detail,
            }
        )
        with pytest.raises(InvalidEventError, match=r"detail\.provider"):
            envelope.check_sent()


def test_an_event_from_before_providers_reads_as_githubs() -> None:
    detail = opened().model_dump(mode="json", exclude={"provider"})
    assert PullRequestOpened.model_validate(detail).provider == "github"


def test_a_pull_request_opens_previews_only_in_the_apps_of_its_provider() -> None:
    fakes = Fakes()
    fakes.apps.put(an_app("app_1"))
    fakes.apps.put(an_app("app_2", provider=OTHER))  # the same owner/name, at another provider
    published = pull_requests.open_previews(opened(), fakes.ports())
    created = [e for e in published if e.detail_type == "EnvironmentCreated"]
    assert [(e.app_id, e.provider) for e in created] == [("app_1", "github")]  # type: ignore[attr-defined]
    assert pull_requests.open_previews(opened(OTHER), fakes.ports())[0].app_id == "app_2"  # type: ignore[attr-defined]


def test_every_environment_event_names_the_provider_of_its_app() -> None:
    fakes = Fakes()
    fakes.apps.put(an_app("app_2", provider=OTHER))
    published = pull_requests.open_previews(opened(OTHER), fakes.ports())
    assert {(e.detail_type, e.provider) for e in published} == {  # type: ignore[attr-defined]
        ("EnvironmentCreated", OTHER),
        ("EnvironmentStatusChanged", OTHER),
        ("EnvironmentDeployRequested", OTHER),
    }
    [env] = fakes.environments.list_all()
    assert env.provider == OTHER


def test_a_push_redeploys_and_records_only_for_the_apps_of_its_provider() -> None:
    fakes = Fakes()
    for app in (an_app("app_1"), an_app("app_2", provider=OTHER)):
        fakes.apps.put(app)
        production = an_environment(
            "env_" + app.id.removeprefix("app_"), app_id=app.id, env_type=EnvironmentType.production
        )
        fakes.environments.put(replace(production, provider=app.provider))
    push = BranchPushed(
        provider=OTHER,
        delivery_id="d-2",
        installation_id=1,
        repository="Codertocat/Hello-World",
        branch="master",
        before_sha=SHA_A,
        after_sha=SHA_B,
        forced=False,
        head_commit_message="more",
        pusher="octocat",
    )
    ports = fakes.ports()
    deployed = [e for e in apps.route_push(push, ports) if isinstance(e, EnvironmentDeployRequested)]
    assert [e.app_id for e in deployed] == ["app_2"]
    assert [e.app_id for e in record_last_commit(push, ports)] == ["app_2"]  # type: ignore[attr-defined]
    assert fakes.apps.get("app_1").last_commit_sha == SHA_A  # type: ignore[union-attr]


def test_an_app_names_a_provider_there_is_a_code_host_for() -> None:
    fakes = Fakes()
    fakes.github.set_branch_head("Codertocat/Hello-World", "master", SHA_A)
    fields = {
        "owner": "codertocat",
        "name": "hello",
        "repository": "Codertocat/Hello-World",
        "default_branch": "master",
        "entrypoint": "main.w",
        "installation_id": 1,
    }
    with pytest.raises(InvalidAppError, match=r"provider: 'bitbucket' is not one of github") as refused:
        create_app(**fields, ports=fakes.ports(), provider="bitbucket")  # type: ignore[arg-type]
    assert refused.value.field == "provider"
    app, [created] = create_app(**fields, ports=fakes.ports())  # type: ignore[arg-type]
    assert (app.provider, created.provider) == ("github", "github")  # type: ignore[attr-defined]


def test_a_deployment_clones_from_the_code_host_of_its_provider() -> None:
    fakes = Fakes()
    event = a_preview_event(
        EnvironmentDeployRequested,
        deployment_id="dep_1",
        sha=SHA_A,
        entrypoint="main.w",
        installation_id=1,
    )
    [provisioned] = provision_deployment(event, fakes.ports())
    assert isinstance(provisioned, RuntimeProvisioned)
    app = fakes.flyio.apps["wc-env-1"]
    spec = app.specs[provisioned.machine_id]
    assert spec.env["WINGCLOUD_GIT_URL"] == "https://github.com/Codertocat/Hello-World.git"
    assert spec.env["WINGCLOUD_GIT_USER"] == "x-access-token"
    assert app.secrets["WINGCLOUD_GIT_TOKEN"] == "ghs_sim_1"
    with pytest.raises(LookupError, match=r"provider 'elsewhere' is not one of github"):
        provision_deployment(event.model_copy(update={"provider": OTHER, "deployment_id": "dep_2"}), fakes.ports())


def test_the_agent_puts_the_token_in_an_https_url_and_nowhere_else() -> None:
    url = "https://gitlab.example.com/group/app.git"
    assert (
        clone_source("group/app", url, "glpat/1", "oauth2")
        == "https://oauth2:glpat%2F1@gitlab.example.com/group/app.git"
    )
    assert clone_source("group/app", "/srv/repos/group/app", "t", "oauth2") == "/srv/repos/group/app"
    assert clone_source("acme/app", None, "ghs_1") == "https://x-access-token:ghs_1@github.com/acme/app.git"
    assert clone_source("acme/app", None, None) == "https://github.com/acme/app.git"


def test_a_status_change_carries_the_provider_through_to_endpoints() -> None:
    from services.endpoints.handlers import reconcile_endpoints

    fakes = Fakes()
    change = a_preview_event(
        EnvironmentStatusChanged,
        provider=OTHER,
        deployment_id="dep_1",
        sha=SHA_A,
        previous_status=EnvironmentStatus.running_server,
        status=EnvironmentStatus.running,
        test_results=[],
        endpoints=[{"label": "website", "url": "https://wc-env-1.fly.dev/"}],
        error_message=None,
    )
    [changed] = reconcile_endpoints(change, fakes.ports())
    assert changed.provider == OTHER  # type: ignore[attr-defined]
