"""The console's routes (/api/console/..., /api/environments/{id}/stop): the map and its live counts, a
service's inspector, the filtered timeline, the trace waterfall, the outside world's calls, and the panels
that poke the system (publish, sample webhook, runtime report, reset), with their status codes and the
fields their errors name."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest
from starlette.testclient import TestClient

from adapters.local import console_stream
from adapters.local.system import System
from spec.contract import Contract
from spec.graph import build_graph, service_edges
from tests.adapters.local.conftest import AUTH, SECRET, drain, embedded, fixture_body, signed

CONTRACT = Contract.load()


def opened(client: TestClient, system: System, delivery: str = "pr-1") -> None:
    body = fixture_body("pull_request.opened.json")
    response = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", delivery))
    assert response.status_code == 202
    drain(system)


def preview(client: TestClient) -> dict[str, Any]:
    [env] = [e for e in client.get("/api/environments", headers=AUTH).json() if e["type"] == "preview"]
    return env


def problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {p["field"]: p["message"] for p in response.json()["problems"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/console/map"),
        ("GET", "/api/console/services/github"),
        ("GET", "/api/console/events"),
        ("GET", "/api/console/traces/x"),
        ("GET", "/api/console/arrivals/webhook:x"),
        ("GET", "/api/console/outside"),
        ("GET", "/api/console/messages"),
        ("POST", "/api/console/publish"),
        ("POST", "/api/console/webhooks"),
        ("POST", "/api/console/reports"),
        ("POST", "/api/console/reset"),
        ("POST", "/api/environments/env_1/stop"),
        ("GET", "/api/console/stream"),
        ("GET", "/api/console/logs?environment=env_1"),
    ],
)
def test_every_console_route_wants_the_api_token(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 401
    assert client.request(method, path, headers={"Authorization": "Bearer wrong"}).status_code == 401


# --- the map and the inspector ---------------------------------------------------------------------------


def test_the_map_is_the_specs_graph_with_what_has_passed(client: TestClient, system: System, app_id: str) -> None:
    before = client.get("/api/console/map", headers=AUTH).json()
    assert sorted(n["name"] for n in before["nodes"]) == sorted(CONTRACT.services)
    drawn = {(link["sender"], m, link["receiver"]) for link in before["links"] for m in link["messages"]}
    assert drawn == set(service_edges(build_graph(CONTRACT)))
    assert before["counts"].get("github|PullRequestOpened", 0) == 0
    assert before["door_counts"]["github-webhooks|github"] == 0 and "api|apps" not in before["door_counts"]
    opened(client, system)
    after = client.get("/api/console/map", headers=AUTH).json()
    assert after["counts"]["github|PullRequestOpened"] == 1
    assert after["counts"]["apps|AppCreated"] == 1  # the app of the fixture, made through the API
    assert after["door_counts"]["github-webhooks|github"] == 1
    assert after["door_counts"]["runtime-reports|runtime"] >= 4  # deploying ... running of the preview
    assert after["health"]["environments"]["delivered"] > 0 and after["health"]["environments"]["failed"] == 0
    assert after["outside"] == system.outside.described


def test_arrows_never_cross_a_service(client: TestClient) -> None:
    """Each arrow runs from its sender's edge to its receiver's edge; between columns it passes through gaps."""
    data = client.get("/api/console/map", headers=AUTH).json()
    w, h = data["node_width"], data["node_height"]
    for link in data["links"]:
        for (x0, y0), (x1, y1) in zip(link["points"], link["points"][1:], strict=False):
            if y0 != y1 and x0 != x1:
                continue  # a curve between two columns: no service lies there
            for node in data["nodes"]:
                if node["name"] in (link["sender"], link["receiver"]):
                    continue
                inside_x = min(x0, x1) < node["x"] + w and max(x0, x1) > node["x"]
                inside_y = min(y0, y1) < node["y"] + h and max(y0, y1) > node["y"]
                assert not (inside_x and inside_y), (link["id"], node["name"])


def test_the_inspector_shows_the_spec_and_what_the_service_did(client: TestClient, system: System, app_id: str) -> None:
    opened(client, system)
    runtime = client.get("/api/console/services/runtime", headers=AUTH).json()
    assert [f["message"] for f in runtime["receives"]] == list(CONTRACT.receives("runtime"))
    assert [f["message"] for f in runtime["sends"]] == list(CONTRACT.sends("runtime"))
    deploy = next(f for f in runtime["receives"] if f["message"] == "EnvironmentDeployRequested")
    assert deploy["services"] == ["environments"] and deploy["count"] == 2  # production and the preview
    assert runtime["triggers"] == ["runtime-reports"] and runtime["dead_letters"] == []
    assert runtime["deliveries"] and all(d["duration_ms"] is not None for d in runtime["deliveries"])
    assert {d["kind"] for d in runtime["deliveries"]} == {"delivered"}
    assert "run_machine" in {c["method"] for c in runtime["calls"]}
    assert all(c["service"] == "runtime" for c in runtime["calls"])
    missing = client.get("/api/console/services/nope", headers=AUTH)
    assert missing.status_code == 404 and "github" in missing.json()["detail"]


def test_a_failing_service_shows_its_failures_dead_letters_and_failed_calls(
    client: TestClient, system: System, app_id: str
) -> None:
    github = embedded(system)[0]

    def down(*args: object, **kwargs: object) -> object:
        raise ConnectionError("GitHub is down")

    github.upsert_pull_request_comment = down  # type: ignore[method-assign,assignment]
    opened(client, system)
    health = client.get("/api/console/map", headers=AUTH).json()["health"]["github"]
    assert health["failed"] > 0 and health["dead_letters"] == health["failed"]  # no retries in these tests
    detail = client.get("/api/console/services/github", headers=AUTH).json()
    assert detail["dead_letters"] and all(d["error_code"] == "ConnectionError" for d in detail["dead_letters"])
    assert any(d["kind"] == "failed" and "GitHub is down" in d["error"] for d in detail["deliveries"])
    failed = client.get("/api/console/outside?failed=true", headers=AUTH).json()["calls"]
    assert failed and all(
        c["method"] == "upsert_pull_request_comment" and "GitHub is down" in c["error"] for c in failed
    )


# --- timeline, waterfall, arrivals, outside ----------------------------------------------------------------


def test_timeline_rows_name_app_environment_and_pull_request(client: TestClient, system: System, app_id: str) -> None:
    opened(client, system)
    env = preview(client)
    rows = client.get("/api/console/events?type=EnvironmentStatusChanged", headers=AUTH).json()
    row = next(r for r in rows if r["environment"] and r["environment"]["id"] == env["id"])
    assert row["app"] == {"id": app_id, "name": "hello"}
    assert row["environment"]["type"] == "preview" and row["pr_number"] == 2 and row["service"] == "environments"
    [pr] = client.get("/api/console/events?type=PullRequestOpened", headers=AUTH).json()
    assert pr["pr_number"] == 2 and pr["environment"]["id"] == env["id"] and pr["app"]["name"] == "hello"


def test_timeline_filters(client: TestClient, system: System, app_id: str) -> None:
    opened(client, system)
    env = preview(client)

    def types(query: str) -> set[str]:
        response = client.get(f"/api/console/events?{query}", headers=AUTH)
        assert response.status_code == 200, response.text
        return {r["detail_type"] for r in response.json()}

    assert types("type=AppCreated") == {"AppCreated"}
    assert "AppCreated" not in types(f"environment={env['id']}")
    assert "PullRequestOpened" in types(f"environment={env['id']}")  # what led to it: the same webhook
    assert types("pr=2") >= {"PullRequestOpened", "EnvironmentCreated"} and "AppCreated" not in types("pr=2")
    assert types("pr=99") == set()
    by_logs = types("service=logs")
    assert by_logs and by_logs <= set(CONTRACT.receives("logs")) | set(CONTRACT.sends("logs"))
    assert types("q=changes") >= {"PullRequestOpened"} and types("q=100%25_") == set()  # % and _ are literal
    newest = client.get("/api/console/events?limit=2", headers=AUTH).json()
    older = client.get(f"/api/console/events?limit=2&before={newest[-1]['seq']}", headers=AUTH).json()
    assert newest[0]["seq"] > newest[1]["seq"] > older[0]["seq"] > older[1]["seq"]
    assert client.get("/api/console/events?service=nope", headers=AUTH).status_code == 422
    assert client.get("/api/console/events?type=Nope", headers=AUTH).status_code == 422
    assert client.get("/api/console/events?pr=0", headers=AUTH).status_code == 422
    assert client.get("/api/console/events?limit=501", headers=AUTH).status_code == 422


def test_the_waterfall_nests_each_delivery_under_the_one_that_caused_it(
    client: TestClient, system: System, app_id: str
) -> None:
    opened(client, system, "wf-1")
    data = client.get("/api/console/traces/wf-1", headers=AUTH).json()
    rows = {r["id"]: r for r in data["rows"]}
    webhook = data["rows"][0]
    assert (webhook["service"], webhook["detail_type"], webhook["depth"], webhook["parent"]) == (
        "github",
        "webhook pull_request",
        0,
        None,
    )
    pr = next(r for r in data["rows"] if r["detail_type"] == "PullRequestOpened" and r["service"] == "environments")
    assert pr["parent"] == webhook["id"] and pr["depth"] == 1
    deploy = next(
        r for r in data["rows"] if r["detail_type"] == "EnvironmentDeployRequested" and r["service"] == "runtime"
    )
    assert rows[deploy["parent"]]["detail_type"] == "PullRequestOpened" and deploy["depth"] == 2
    reports = [r for r in data["rows"] if r["detail_type"].startswith("report ")]
    assert [r["detail_type"] for r in reports] == [
        "report deploying",
        "report running-tests",
        "report running-server",
        "report running",
    ]  # the runtime reports under the webhook's correlation: the deployment was started under it
    for row in data["rows"]:
        assert row["outcome"] == "delivered" and row["duration_ms"] is not None and row["attempt"] == 1
        if row["parent"] is not None:
            assert rows[row["parent"]]["depth"] == row["depth"] - 1
        if row["event_id"] in data["envelopes"]:
            assert row["queued_at"] <= row["at"]
    order = [r["id"] for r in data["rows"]]
    assert all(order.index(r["parent"]) < order.index(r["id"]) for r in data["rows"] if r["parent"] is not None)
    assert data["envelopes"][pr["event_id"]]["detail-type"] == "PullRequestOpened"
    assert client.get("/api/console/traces/nope", headers=AUTH).status_code == 404


def test_a_failed_delivery_shows_as_dead_lettered_in_its_waterfall(
    client: TestClient, system: System, app_id: str
) -> None:
    embedded(system)[0].upsert_pull_request_comment = lambda *a, **k: (_ for _ in ()).throw(ConnectionError("down"))  # type: ignore[method-assign]
    opened(client, system, "wf-2")
    rows = client.get("/api/console/traces/wf-2", headers=AUTH).json()["rows"]
    dead = [r for r in rows if r["outcome"] == "dead-lettered"]
    assert dead and all(r["service"] == "github" and "down" in r["error"] for r in dead)


def test_an_arrival_is_shown_as_it_came(client: TestClient, system: System, app_id: str) -> None:
    opened(client, system, "arr-1")
    arrival = client.get("/api/console/arrivals/webhook:arr-1", headers=AUTH).json()
    assert (arrival["door"], arrival["id"], arrival["name"]) == ("webhook", "arr-1", "pull_request")
    assert arrival["body"]["action"] == "opened" and arrival["correlation_id"] == "arr-1"
    assert client.get("/api/console/arrivals/webhook:nope", headers=AUTH).status_code == 404


def test_the_outside_world_panel_lists_every_call_with_its_answer(
    client: TestClient, system: System, app_id: str
) -> None:
    opened(client, system)
    data = client.get("/api/console/outside", headers=AUTH).json()
    assert data["backends"] == {
        "github": "embedded",
        "gitlab": "embedded",
        "flyio": system.outside.described["runtime"],
        "dns": "embedded",
    }
    methods = {(c["port"], c["method"]) for c in data["calls"]}
    assert {("github", "update_webhook_url"), ("flyio", "run_machine"), ("dns", "upsert_record")} <= methods
    assert ("github", "upsert_pull_request_comment") in methods
    dns = client.get("/api/console/outside?port=dns", headers=AUTH).json()["calls"]
    assert dns and {c["port"] for c in dns} == {"dns"} and {c["service"] for c in dns} == {"endpoints"}
    by_runtime = client.get("/api/console/outside?service=runtime&limit=1", headers=AUTH).json()["calls"]
    assert len(by_runtime) == 1 and by_runtime[0]["service"] == "runtime"
    assert client.get("/api/console/outside?port=smtp", headers=AUTH).status_code == 422


# --- poking the system ------------------------------------------------------------------------------------


def test_every_message_of_the_spec_can_be_started_from_its_example(client: TestClient) -> None:
    messages = client.get("/api/console/messages", headers=AUTH).json()
    assert [m["name"] for m in messages] == sorted(CONTRACT.messages)
    stop = next(m for m in messages if m["name"] == "EnvironmentStopRequested")
    assert stop["senders"] == ["api"] and stop["receivers"] == ["environments"]
    assert stop["example"] == {"environment_id": "env_1b9d4e2f", "requested_by": "codertocat"}
    assert stop["fields"]["environment_id"] == "Id of an environment."
    assert all("metadata" not in m["example"] and "metadata" not in m["fields"] for m in messages)


def test_a_published_event_is_delivered_like_any_other(client: TestClient, system: System, app_id: str) -> None:
    opened(client, system)
    env = preview(client)
    response = client.post(
        "/api/console/publish",
        json={"detail_type": "EnvironmentStopRequested", "detail": {"environment_id": env["id"], "requested_by": "me"}},
        headers=AUTH,
    )
    assert response.status_code == 202, response.text
    published = response.json()
    assert published["sender"] == "api" and published["correlation_id"].startswith("console_")
    drain(system)
    assert preview(client)["status"] == "stopped"
    rows = client.get(f"/api/console/traces/{published['correlation_id']}", headers=AUTH).json()["rows"]
    assert rows[0]["event_id"] == published["event_id"] and rows[0]["service"] == "environments"


def test_a_publish_the_spec_refuses_names_each_field(client: TestClient) -> None:
    publish = "/api/console/publish"
    bad = {"environment_id": "nope", "requested_by": "", "extra": 1}
    found = problems(
        client.post(publish, json={"detail_type": "EnvironmentStopRequested", "detail": bad}, headers=AUTH)
    )
    assert set(found) == {"detail.environment_id", "detail.requested_by", "detail"}
    assert "does not match" in found["detail.environment_id"] and "extra" in found["detail"]
    with_metadata = {"environment_id": "env_1", "requested_by": "me", "metadata": {}}
    found = problems(
        client.post(publish, json={"detail_type": "EnvironmentStopRequested", "detail": with_metadata}, headers=AUTH)
    )
    assert set(found) == {"detail.metadata"}
    found = problems(client.post(publish, json={"detail_type": "Nope", "detail": {}}, headers=AUTH))
    assert set(found) == {"body.detail_type"}
    wrong_sender = {"detail_type": "EnvironmentStopRequested", "detail": with_metadata, "sender": "github"}
    assert set(problems(client.post(publish, json=wrong_sender, headers=AUTH))) == {"body.sender"}
    assert client.post(publish, json={"detail_type": "AppCreated"}, headers=AUTH).status_code == 422


def test_a_sample_webhook_is_signed_by_the_server_and_goes_through_its_door(
    client: TestClient, system: System, app_id: str
) -> None:
    body = {"kind": "pull_request.opened", "repository": "Codertocat/Hello-World", "branch": "feature", "number": 9}
    response = client.post("/api/console/webhooks", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    sent = response.json()
    assert sent["status"] == 202 and sent["answer"]["accepted"] is True and sent["event"] == "pull_request"
    drain(system)
    env = next(e for e in client.get("/api/environments", headers=AUTH).json() if e["pr_number"] == 9)
    assert (env["branch"], env["status"]) == ("feature", "running")
    assert client.get(f"/api/console/traces/{sent['delivery_id']}", headers=AUTH).status_code == 200
    push = client.post(
        "/api/console/webhooks", json={"kind": "push", "repository": "a/b", "branch": "main", "sha": "zz"}, headers=AUTH
    ).json()
    assert push["status"] == 400 and "sha" in push["answer"]["detail"]  # the door refused it, and said why
    found = problems(client.post("/api/console/webhooks", json={**body, "kind": "issues.opened"}, headers=AUTH))
    assert "pull_request.opened" in found["body.kind"]
    assert set(problems(client.post("/api/console/webhooks", json={**body, "number": 0}, headers=AUTH))) == {
        "body.number"
    }
    assert SECRET not in response.text


def test_a_played_report_goes_through_the_report_door(client: TestClient, system: System, app_id: str) -> None:
    opened(client, system)
    env = preview(client)
    played = client.post(
        "/api/console/reports",
        json={"environment_id": env["id"], "status": "error", "error_message": "disk full"},
        headers=AUTH,
    )
    assert played.status_code == 202, played.text
    assert played.json()["stale"] is False and played.json()["deployment_id"] == env["deployment_id"]
    drain(system)
    after = preview(client)
    assert (after["status"], after["error_message"]) == ("error", "disk full")
    stale = client.post(
        "/api/console/reports",
        json={"environment_id": env["id"], "status": "running", "deployment_id": "dep_old"},
        headers=AUTH,
    )
    assert stale.status_code == 202 and stale.json()["stale"] is True
    drain(system)
    assert preview(client)["status"] == "error"
    assert (
        client.post(
            "/api/console/reports", json={"environment_id": "env_nope", "status": "running"}, headers=AUTH
        ).status_code
        == 404
    )
    found = problems(
        client.post("/api/console/reports", json={"environment_id": env["id"], "status": "sleeping"}, headers=AUTH)
    )
    assert "sleeping" in found["body.status"]
    bad_endpoint = {"environment_id": env["id"], "status": "running", "endpoints": [{"label": "x"}]}
    assert set(problems(client.post("/api/console/reports", json=bad_endpoint, headers=AUTH))) == {"body.endpoints"}


def test_a_user_stop(client: TestClient, system: System, app_id: str) -> None:
    opened(client, system)
    env = preview(client)
    response = client.post(f"/api/environments/{env['id']}/stop", headers=AUTH)
    assert (response.status_code, response.json()) == (202, {"environment_id": env["id"], "stop": "requested"})
    drain(system)
    assert preview(client)["status"] == "stopped"
    [stopped] = client.get("/api/console/events?type=EnvironmentStopped", headers=AUTH).json()
    assert stopped["detail"]["reason"] == "manual"
    again = client.post(f"/api/environments/{env['id']}/stop", headers=AUTH)
    assert (again.status_code, again.json()["error"]) == (409, "stop_refused")
    assert client.post("/api/environments/env_nope/stop", headers=AUTH).status_code == 404


def test_a_reset_empties_the_data_dir_and_keeps_the_credentials(
    client: TestClient, system: System, app_id: str
) -> None:
    opened(client, system)
    refused = client.post("/api/console/reset", json={"confirm": "yes"}, headers=AUTH)
    assert set(problems(refused)) == {"body.confirm"}
    assert client.get("/api/apps", headers=AUTH).json() != []
    done = client.post("/api/console/reset", json={"confirm": "reset"}, headers=AUTH)
    assert done.status_code == 200
    removed, stopped = done.json()["removed"], done.json()["stopped"]
    assert removed["apps"] == 1 and removed["environments"] == 2 and removed["events"] > 0 and removed["arrivals"] > 0
    assert len(stopped) == 2
    assert (
        client.get("/api/apps", headers=AUTH).json() == []
        and client.get("/api/environments", headers=AUTH).json() == []
    )
    assert client.get("/api/console/events", headers=AUTH).json() == []
    after = client.get("/api/console/map", headers=AUTH).json()
    assert after["counts"] == {} and after["health"] == {}
    assert client.get("/api/console/outside", headers=AUTH).json()["calls"] == []
    github, flyio = embedded(system)
    assert flyio.apps == {} and github.comments == {}
    opened(client, system, "pr-1")  # the same delivery id is new again; the webhook secret still signs
    assert client.get("/api/environments", headers=AUTH).json() == []  # no app is bound to the repository now
    assert client.get("/api/console/traces/pr-1", headers=AUTH).status_code == 200


# --- the page and the stream -------------------------------------------------------------------------------


def test_the_console_page_forbids_inline_script_and_style(client: TestClient) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    inline: list[str] = []
    scripts: list[dict[str, str | None]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            inline.extend(f"{tag} {name}" for name, _ in attrs if name == "style" or name.startswith("on"))
            if tag == "style":
                inline.append("style element")
            if tag == "script":
                scripts.append(dict(attrs))

    Tags().feed(page.text)
    assert inline == []
    assert scripts == [{"type": "module", "src": "/static/console/main.js"}]  # no inline script


def test_the_console_script_never_writes_html(client: TestClient) -> None:
    from pathlib import Path

    scripts = sorted((Path(console_stream.STATIC) / "console").glob("*.js"))
    assert len(scripts) >= 10
    for script in scripts:
        text = script.read_text()
        for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert forbidden not in text, (script.name, forbidden)
        assert client.get(f"/static/console/{script.name}").status_code == 200


def test_the_stream_sends_events_and_delivery_steps(client: TestClient, system: System, app_id: str) -> None:
    cursors = [0, 0]
    messages, full = console_stream._pending(system, cursors)
    assert not full and cursors[0] > 0 and cursors[1] > 0
    kinds = [m.split("\n")[1] for m in messages]
    assert "event: event" in kinds and "event: step" in kinds
    first_event = next(m for m in messages if "\nevent: event\n" in m)
    assert '"detail_type":"AppCreated"' in first_event and '"app":{"id":' in first_event
    assert console_stream._pending(system, cursors) == ([], False)
    opened(client, system)
    more, _ = console_stream._pending(system, cursors)
    assert any('"detail_type":"PullRequestOpened"' in m for m in more)
    bad = client.get("/api/console/stream?events_after=x", headers=AUTH)
    assert bad.status_code == 400


def test_every_console_answer_matches_the_openapi_document(client: TestClient, system: System, app_id: str) -> None:
    import jsonschema

    document = client.get("/api/openapi.json").json()
    opened(client, system, "doc-1")
    env = preview(client)

    def check(method: str, template: str, path: str, body: Any = None) -> None:
        response = client.request(method, path, headers=AUTH, json=body)
        documented = document["paths"][template][method.lower()]["responses"].get(str(response.status_code))
        assert documented is not None, f"{method} {path} answered {response.status_code}, not documented"
        schema = documented["content"]["application/json"]["schema"]
        jsonschema.validate(response.json(), {**schema, "components": document["components"]})

    stop = {"detail_type": "EnvironmentStopRequested", "detail": {"environment_id": "x", "requested_by": "me"}}
    for call in [
        ("GET", "/api/console/map", "/api/console/map"),
        ("GET", "/api/console/services/{name}", "/api/console/services/runtime"),
        ("GET", "/api/console/services/{name}", "/api/console/services/nope"),
        ("GET", "/api/console/events", "/api/console/events?pr=2"),
        ("GET", "/api/console/events", "/api/console/events?pr=0"),
        ("GET", "/api/console/traces/{correlation_id}", "/api/console/traces/doc-1"),
        ("GET", "/api/console/traces/{correlation_id}", "/api/console/traces/nope"),
        ("GET", "/api/console/arrivals/{key}", "/api/console/arrivals/webhook:doc-1"),
        ("GET", "/api/console/outside", "/api/console/outside"),
        ("GET", "/api/console/messages", "/api/console/messages"),
        ("POST", "/api/console/publish", "/api/console/publish", stop),
        (
            "POST",
            "/api/console/webhooks",
            "/api/console/webhooks",
            {"kind": "push", "repository": "a/b", "branch": "m"},
        ),
        ("POST", "/api/console/reports", "/api/console/reports", {"environment_id": env["id"], "status": "running"}),
        ("POST", "/api/console/reports", "/api/console/reports", {"environment_id": "env_x", "status": "running"}),
        ("POST", "/api/environments/{environment_id}/stop", f"/api/environments/{env['id']}/stop"),
        ("POST", "/api/environments/{environment_id}/stop", "/api/environments/env_nope/stop"),
        ("POST", "/api/console/reset", "/api/console/reset", {"confirm": "no"}),
        ("POST", "/api/console/reset", "/api/console/reset", {"confirm": "reset"}),
    ]:
        check(*call)
    drain(system)
    check("POST", "/api/environments/{environment_id}/stop", f"/api/environments/{env['id']}/stop")  # gone: 404


def test_a_report_for_an_environment_with_no_deployment_yet_is_a_documented_409(
    client: TestClient, system: System, app_id: str
) -> None:
    opened(client, system)
    env = system.ports.environments.get(preview(client)["id"])
    assert env is not None
    system.ports.environments.put(replace(env, id="env_waiting", deployment_id=None, pr_number=99))
    refused = client.post(
        "/api/console/reports", json={"environment_id": "env_waiting", "status": "running"}, headers=AUTH
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "no_deployment")
    documented = client.get("/api/openapi.json").json()["paths"]["/api/console/reports"]["post"]["responses"]
    assert "409" in documented
