"""`GET /api/apps/{id}/usage`: the metered running time of an app on the local server, and strict from/to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from starlette.testclient import TestClient

from adapters.local.system import System
from events.models import EnvironmentStatus, EnvironmentType
from ports import UsageMark
from tests.adapters.local.conftest import AUTH

DAY = datetime(2026, 11, 28, tzinfo=UTC)


def record(system: System, app_id: str, event_id: str, status: EnvironmentStatus, at: datetime) -> None:
    mark = UsageMark(
        event_id=event_id,
        app_id=app_id,
        environment_id="env_9",
        type=EnvironmentType.preview,
        branch="feature",
        pr_number=7,
        at=at,
        status=status,
        previous_status=None,
    )
    with system.db.writing():
        system.ports.usage.record(mark)


def test_an_apps_usage_has_totals_days_and_a_row_per_environment(client: TestClient, system: System) -> None:
    record(system, "app_9", "e1", EnvironmentStatus.running, DAY + timedelta(hours=23))
    record(system, "app_9", "e2", EnvironmentStatus.stopped, DAY + timedelta(hours=25, seconds=30))
    record(system, "app_9", "e2", EnvironmentStatus.stopped, DAY + timedelta(hours=25, seconds=30))  # again
    response = client.get("/api/apps/app_9/usage", params={"from": "2026-11-28", "to": "2026-12-01"}, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-11-28T00:00:00Z", "2026-12-01T00:00:00Z")
    assert body["totals"] == {"running_seconds": 7230.0, "production_seconds": 0.0, "preview_seconds": 7230.0}
    assert body["days"] == [
        {"date": "2026-11-28", "type": "preview", "running_seconds": 3600.0},
        {"date": "2026-11-29", "type": "preview", "running_seconds": 3630.0},
    ]
    [row] = body["environments"]
    assert (row["environment_id"], row["branch"], row["pr_number"], row["running_at_end"]) == (
        "env_9",
        "feature",
        7,
        False,
    )
    assert row["running_seconds"] == 7230.0 and [d["date"] for d in row["days"]] == ["2026-11-28", "2026-11-29"]


def test_times_with_zones_bound_the_period_exactly(client: TestClient, system: System) -> None:
    record(system, "app_9", "e1", EnvironmentStatus.running, DAY)
    params = {"from": "2026-11-28T01:00:00+01:00", "to": "2026-11-28T00:10:00.5Z"}  # 00:00Z to 00:10:00.5Z
    body = client.get("/api/apps/app_9/usage", params=params, headers=AUTH).json()
    assert body["totals"]["running_seconds"] == 600.5
    assert body["environments"][0]["running_at_end"] is True


def test_a_running_app_is_metered_until_now(client: TestClient, app_id: str) -> None:
    today = datetime.now(UTC).date()
    params = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=2))}
    body = client.get(f"/api/apps/{app_id}/usage", params=params, headers=AUTH).json()
    [row] = body["environments"]
    assert row["type"] == "production" and row["running_at_end"] is True
    assert 0 < row["running_seconds"] < 60
    assert datetime.fromisoformat(body["measured_until"]) <= datetime.now(UTC)


def test_an_app_with_no_usage_in_the_period_has_zero_totals(client: TestClient, app_id: str) -> None:
    params = {"from": "2020-01-01", "to": "2020-02-01"}
    body = client.get(f"/api/apps/{app_id}/usage", params=params, headers=AUTH).json()
    assert body["totals"]["running_seconds"] == 0 and body["environments"] == [] and body["days"] == []


def test_an_unknown_app_is_404(client: TestClient) -> None:
    response = client.get("/api/apps/app_nope/usage", params={"from": "2026-11-01", "to": "2026-12-01"}, headers=AUTH)
    assert (response.status_code, response.json()["detail"]) == (404, "no app with id 'app_nope'")


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"to": "2026-12-01"}, "from is required: a UTC date (2026-11-01) or a time with a zone"),
        ({"from": "2026-11-01"}, "to is required"),
        ({"from": "", "to": "2026-12-01"}, "from is required"),
        ({"from": "yesterday", "to": "2026-12-01"}, "from='yesterday' is not a UTC date (2026-11-01) or a time"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from='2026-13-01' is not a UTC date"),
        ({"from": "2026-11-01", "to": "2026-12-01T00:00:00"}, "to='2026-12-01T00:00:00' has no time zone: add Z"),
        ({"from": "2026-11-01T00:00:00 01:00", "to": "2026-12-01"}, "send it as %2B"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "from/to: end 2026-11-01T00:00:00+00:00 is not after start"),
        ({"from": "2026-11-01", "to": "2026-11-01"}, "the period would be empty"),
    ],
)
def test_a_bad_period_is_400_naming_what_was_wrong(
    client: TestClient, app_id: str, params: dict[str, str], detail: str
) -> None:
    response = client.get(f"/api/apps/{app_id}/usage", params=params, headers=AUTH)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request" and detail in response.json()["detail"]


def test_usage_wants_the_bearer_token(client: TestClient) -> None:
    response = client.get("/api/apps/app_1/usage", params={"from": "2026-11-01", "to": "2026-12-01"})
    assert response.status_code == 401


def test_the_answers_match_the_openapi_document(client: TestClient, system: System) -> None:
    record(system, "app_9", "e1", EnvironmentStatus.running, DAY)
    document = client.get("/api/openapi.json").json()
    operation = document["paths"]["/api/apps/{app_id}/usage"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["app_id", "from", "to"]
    for params, status in (({"from": "2026-11-28", "to": "2026-11-29"}, 200), ({"from": "2026-11-28"}, 400)):
        response = client.get("/api/apps/app_9/usage", params=params, headers=AUTH)
        assert response.status_code == status
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.validate(response.json(), {**schema, "components": document["components"]})
