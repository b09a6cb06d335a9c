"""`wingcloud usage export`: the API's usage answer as CSV, one row per environment and UTC day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from adapters.local.system import System
from events.models import EnvironmentStatus, EnvironmentType
from ports import UsageMark
from tests.adapters.local.conftest import AUTH
from wingcloud.cli import app as cli
from wingcloud.cmd_usage import api_token, decimal_seconds, fetch_usage, usage_csv
from wingcloud.errors import CommandError

DAY = datetime(2026, 11, 28, tzinfo=UTC)


def record(system: System, environment_id: str, event_id: str, status: EnvironmentStatus, at: datetime) -> None:
    production = environment_id == "env_p"
    mark = UsageMark(
        event_id=event_id,
        app_id="app_9",
        environment_id=environment_id,
        type=EnvironmentType.production if production else EnvironmentType.preview,
        branch="main" if production else "feature",
        pr_number=None if production else 7,
        at=at,
        status=status,
    )
    with system.db.writing():
        system.ports.usage.record(mark)


def test_the_export_has_a_row_per_environment_and_day_with_exact_seconds(client: TestClient, system: System) -> None:
    record(system, "env_v", "v1", EnvironmentStatus.running, DAY + timedelta(hours=22, microseconds=250))
    record(system, "env_v", "v2", EnvironmentStatus.stopped, DAY + timedelta(hours=24, minutes=10))
    record(system, "env_p", "p1", EnvironmentStatus.running, DAY + timedelta(hours=23))
    client.headers.update(AUTH)
    text = usage_csv(fetch_usage(client, "app_9", "2026-11-28", "2026-11-29T12:00:00Z"))
    assert text.splitlines() == [
        "date,app_id,environment_id,type,branch,pr_number,running_seconds",
        "2026-11-28,app_9,env_p,production,main,,3600",
        "2026-11-28,app_9,env_v,preview,feature,7,7199.99975",
        "2026-11-29,app_9,env_p,production,main,,43200",
        "2026-11-29,app_9,env_v,preview,feature,7,600",
    ]


def test_a_refusal_of_the_api_is_one_line_with_its_reason(client: TestClient) -> None:
    client.headers.update(AUTH)
    with pytest.raises(CommandError, match=r"answered 400 for the usage of app_9: to='tomorrow' is not a UTC date"):
        fetch_usage(client, "app_9", "2026-11-28", "tomorrow")
    with pytest.raises(CommandError, match=r"answered 404 for the usage of app_nope: no app with id 'app_nope'"):
        fetch_usage(client, "app_nope", "2026-11-28", "2026-11-29")


def test_seconds_are_written_as_exact_decimals() -> None:
    assert [decimal_seconds(v) for v in (7200.0, 600.5, 0.000001, 0.0)] == ["7200", "600.5", "0.000001", "0"]


def test_the_token_comes_from_the_data_dir_or_says_where_to_give_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WINGCLOUD_API_TOKEN", raising=False)
    (tmp_path / "credentials.json").write_text(json.dumps({"api_token": "from-the-dir"}))
    assert api_token(tmp_path) == "from-the-dir"
    with pytest.raises(CommandError, match=r"no API token: .*credentials.json does not exist. Give --token"):
        api_token(tmp_path / "elsewhere")


def test_the_command_says_when_the_server_cannot_be_reached(tmp_path: Path) -> None:
    args = ["usage", "export", "app_1", "--from", "2026-11-01", "--to", "2026-12-01", "--token", "t"]
    result = CliRunner().invoke(cli, [*args, "--url", "http://127.0.0.1:9"])
    assert isinstance(result.exception, CommandError)
    assert "cannot reach http://127.0.0.1:9" in str(result.exception)
