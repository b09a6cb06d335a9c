"""The console in a real browser (Playwright driving Debian's chromium) against a real `wingcloud serve`: the map
and its live counts, the inspector, the waterfall of a pull request's workflow, the timeline's filters, every
interaction panel, the outside world, dead letters and redrive, and the reset. Every wait is Playwright's
auto-waiting `expect`: the timeouts bound a hang, they are not what a test checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from spec.contract import Contract
from tests.adapters.local.conftest import AUTH, TOKEN, fixture_body, signed
from tests.adapters.local.process import Server, free_port
from wingcloud import tools

pytestmark = [pytest.mark.slow, pytest.mark.needs_tool("chromium")]

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT = 30_000  # ms: how long a hang may last before a test fails, not an expectation of speed
SERVICES = len(Contract.load().services)
APP = {"name": "hello", "repository": "Codertocat/Hello-World", "default_branch": "master", "installation_id": 1}


def start(tmp_path: Path, env: dict[str, str] | None = None) -> Server:
    server = Server(tmp_path / "data", free_port(), step=0.05, env={"WINGCLOUD_MAX_RETRIES": "0", **(env or {})})
    server.start()
    return server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def page(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=tools.require("chromium"), args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            tab.on(
                "console",
                lambda m: problems.append(m.text) if "Content Security Policy" in m.text or m.type == "error" else None,
            )
            tab.problems = problems
            urls: list[str] = []
            tab.on("request", lambda request: urls.append(request.url))
            tab.goto(f"{server.url}/#token={TOKEN}")
            from playwright.sync_api import expect

            expect(tab.locator("#connection")).to_have_text("live", timeout=WAIT)
            # the token leaves the address bar at once, lives in this tab's session only, and travels in a header
            assert TOKEN not in tab.url
            assert tab.evaluate("[localStorage.length, sessionStorage.getItem('wingcloud-token')]") == [0, TOKEN]
            yield tab
            assert [p for p in problems if "422" not in p and "409" not in p] == []  # refused requests are expected
            assert [url for url in urls[1:] if TOKEN in url] == []  # the first is the link `serve` printed
        finally:
            browser.close()


def create_app(server: Server) -> str:
    response = httpx.post(f"{server.url}/api/apps", json=APP, headers=AUTH)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def webhook(server: Server, name: str, event: str, delivery: str) -> None:
    body = fixture_body(name)
    response = httpx.post(f"{server.url}/webhooks/github", content=body, headers=signed(body, event, delivery))
    assert response.status_code == 202, response.text


def no_horizontal_scroll(page: Any) -> None:
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client, f"the page scrolls sideways: {width} > {client}"


def test_the_map_counts_events_live_and_the_inspector_explains_a_service(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("[data-service]")).to_have_count(SERVICES)
    expect(page.locator("#start-here")).to_be_visible()
    expect(page.locator('[data-count="github->environments"]')).to_be_hidden()
    no_horizontal_scroll(page)
    create_app(server)
    webhook(server, "pull_request.opened.json", "pull_request", "map-1")
    label = page.locator('[data-count="github->environments"]')
    expect(label).to_be_visible(timeout=WAIT)
    expect(label).to_have_text("1")  # PullRequestOpened, counted live from the stream
    expect(page.locator('[data-service="github"] .doors')).to_have_text("⇢ github-webhooks 1")
    expect(page.locator('[data-count="environments->runtime"]')).not_to_have_text("0")
    expect(page.locator("#start-here")).to_be_hidden()

    page.locator('[data-service="environments"]').click()
    inspector = page.locator("#inspector")
    expect(inspector.locator("[data-inspected]")).to_have_text("environments")
    expect(inspector.locator('[data-message="PullRequestOpened"]')).to_contain_text("from github")
    expect(inspector.locator('[data-message="EnvironmentDeployRequested"]')).to_contain_text("to logs, runtime")
    expect(inspector.locator(".deliveries li").first.locator(".outcome")).to_have_text("handled")
    expect(inspector.locator(".deliveries li").first.locator(".took")).to_have_text(re.compile(r"^[0-9.]+ (µs|ms)$"))

    runtime = page.locator('[data-service="runtime"]')  # the keyboard reaches every service
    runtime.focus()
    page.keyboard.press("Enter")
    expect(inspector.locator("[data-inspected]")).to_have_text("runtime")
    expect(runtime).to_have_attribute("aria-pressed", "true")
    expect(inspector.locator(".calls")).to_contain_text("flyio.run_machine")
    page.locator("#tabbtn-timeline").focus()  # the tabs too: arrow keys move between them
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tabbtn-trace")).to_be_focused()
    expect(page.locator("#tab-trace")).to_be_visible()
    no_horizontal_scroll(page)


def test_the_waterfall_of_a_pull_request_from_opened_to_closed(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    create_app(server)
    webhook(server, "pull_request.opened.json", "pull_request", "wf-open")
    preview = page.locator("#environments [data-environment]", has_text="changes")
    expect(preview.locator(".status")).to_have_text("running", timeout=WAIT)

    page.locator('.event-row[data-event-type="PullRequestOpened"]').click()
    expect(page.locator("#tab-trace")).to_be_visible()
    expect(page.locator("#trace-id")).to_have_text("wf-open")
    rows = page.locator("#waterfall [data-delivery]")
    root = rows.first
    expect(root).to_have_attribute("data-detail-type", "webhook pull_request")
    expect(root).to_have_attribute("data-depth", "0")
    opened = page.locator(
        '#waterfall [data-delivery][data-handled-by="environments"][data-detail-type="PullRequestOpened"]'
    )
    expect(opened).to_have_attribute("data-depth", "1")
    deploy = page.locator('#waterfall [data-handled-by="runtime"][data-detail-type="EnvironmentDeployRequested"]')
    expect(deploy).to_have_attribute("data-depth", "2")
    expect(page.locator('#waterfall [data-detail-type="report running"]')).to_have_count(1)  # the runtime's reports
    expect(page.locator('#waterfall [data-outcome="delivered"]')).to_have_count(rows.count())

    opened.click()
    expect(page.locator("#trace-envelope")).to_contain_text('"PullRequestOpened"')
    expect(page.locator("#trace-envelope")).to_contain_text('"pr_number"')
    root.focus()
    page.keyboard.press("Enter")  # the arrival as it came through the webhook door
    expect(page.locator("#trace-envelope")).to_contain_text('"opened"')

    webhook(server, "pull_request.closed.json", "pull_request", "wf-close")
    expect(preview.locator(".status")).to_have_text("stopped", timeout=WAIT)
    page.locator("#tabbtn-timeline").click()
    page.locator('.event-row[data-event-type="PullRequestClosed"]').click()
    expect(page.locator("#trace-id")).to_have_text("wf-close")
    for service in ("runtime", "endpoints", "logs", "github", "notifications"):
        expect(
            page.locator(f'#waterfall [data-handled-by="{service}"][data-detail-type="EnvironmentStopped"]')
        ).to_have_count(1)
    no_horizontal_scroll(page)


def test_the_timeline_filters_and_names_what_each_event_concerns(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    create_app(server)
    webhook(server, "pull_request.opened.json", "pull_request", "tl-1")
    expect(page.locator("#environments [data-environment]", has_text="changes").locator(".status")).to_have_text(
        "running", timeout=WAIT
    )
    rows = page.locator("#timeline .event-row")
    changed = page.locator('#timeline .event-row[data-event-type="EnvironmentStatusChanged"]', has_text="preview")
    expect(changed.first.locator(".chips")).to_contain_text("app hello")
    expect(changed.first.locator(".chips")).to_contain_text("PR #2")

    filters = page.locator("#timeline-filters")
    filters.get_by_label("Event type", exact=True).select_option("EnvironmentStatusChanged")
    expect(rows.first).to_have_attribute("data-event-type", "EnvironmentStatusChanged")
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.eventType)")) == {"EnvironmentStatusChanged"}

    filters.get_by_label("Event type", exact=True).select_option("")
    preview = page.locator("#environments [data-environment]", has_text="changes").get_attribute("data-environment")
    filters.get_by_label("Environment", exact=True).select_option(preview)
    expect(page.locator('#timeline .event-row[data-event-type="PullRequestOpened"]')).to_have_count(1)
    expect(page.locator('#timeline .event-row[data-event-type="AppCreated"]')).to_have_count(0)

    filters.get_by_role("button", name="Clear filters").click()
    filters.get_by_label("Pull request #", exact=True).fill("99")
    filters.get_by_label("Pull request #", exact=True).press("Enter")
    expect(page.locator("#timeline-count")).to_have_text("No event matches these filters.")

    filters.get_by_role("button", name="Clear filters").click()
    filters.get_by_label("Service", exact=True).select_option("cleaner")
    expect(page.locator("#timeline-count")).to_have_text("No event matches these filters.")
    filters.get_by_label("Service", exact=True).select_option("")
    filters.get_by_label("Search", exact=True).fill("AppCreated")
    expect(rows).to_have_count(1)

    filters.get_by_label("Search", exact=True).fill("")
    filters.get_by_label("Event type", exact=True).select_option("PullRequestClosed")
    expect(page.locator("#timeline-count")).to_have_text("No event matches these filters.")
    webhook(server, "pull_request.closed.json", "pull_request", "tl-2")
    expect(rows).to_have_count(1, timeout=WAIT)  # live, through the same filter
    expect(rows.first).to_have_attribute("data-event-type", "PullRequestClosed")


def test_apps_and_secrets_are_made_in_labelled_forms_with_errors_on_their_fields(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Create an app").click()  # from the empty state
    form = page.locator("#app-form")
    expect(form.get_by_label("Name", exact=True)).to_be_focused()
    for label in ("Name", "Repository (owner/name)", "Default branch", "Entrypoint", "GitHub App installation id"):
        expect(form.get_by_label(label, exact=True)).to_be_visible()
    form.get_by_label("Name", exact=True).fill("not a name!")
    form.get_by_label("Repository (owner/name)", exact=True).fill("Codertocat/Hello-World")
    form.get_by_label("Default branch", exact=True).fill("master")
    form.get_by_role("button", name="Create app").click()
    expect(form.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#app-name-error")).not_to_be_empty()
    form.get_by_label("Name", exact=True).fill("hello")
    form.get_by_role("button", name="Create app").click()
    app_row = page.locator("#apps tbody tr", has_text="hello")
    expect(app_row).to_have_count(1)
    expect(form.get_by_label("Name", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#environments [data-environment]").first.locator(".status")).to_have_text(
        "running", timeout=WAIT
    )

    app_row.get_by_role("button", name="Edit").click()
    expect(form.get_by_label("Name", exact=True)).to_be_disabled()
    form.get_by_label("Entrypoint", exact=True).fill("src/main.w")
    form.get_by_role("button", name="Save entrypoint").click()
    expect(app_row).to_contain_text("src/main.w")

    app_row.get_by_role("button", name="Secrets").click()
    secrets = page.locator("#secret-form")
    secrets.get_by_label("Name", exact=True).fill("bad-name")
    secrets.get_by_label("Value", exact=True).fill("s3cret")
    secrets.get_by_role("button", name="Save secret").click()
    expect(secrets.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    secrets.get_by_label("Name", exact=True).fill("SLACK_TOKEN")
    secrets.get_by_label("Value", exact=True).fill("s3cret")
    secrets.get_by_role("button", name="Save secret").click()
    listed = page.locator('#secrets [data-secret="preview/SLACK_TOKEN"]')
    expect(listed).to_be_visible()
    expect(listed).not_to_contain_text("s3cret")
    listed.get_by_role("button", name="Delete").click()
    expect(listed).to_have_count(0)


def test_a_webhook_a_report_a_redeploy_a_stop_and_the_logs_from_their_panels(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    create_app(server)
    expect(page.locator("#environments [data-environment]")).to_have_count(1, timeout=WAIT)
    page.locator("#tabbtn-webhook").click()
    panel = page.locator("#webhook-form")
    expect(panel.get_by_label("Repository", exact=True)).to_have_value("Codertocat/Hello-World")  # from the app
    panel.get_by_label("Webhook", exact=True).select_option("pull_request.opened")
    panel.get_by_label("Branch", exact=True).fill("add-queue")
    panel.get_by_label("Pull request number", exact=True).fill("7")
    panel.get_by_role("button", name="Sign and send").click()
    expect(page.locator("#webhook-answer")).to_contain_text("answered 202")
    preview = page.locator("#environments [data-environment]", has_text="add-queue")
    expect(preview.locator(".status")).to_have_text("running", timeout=WAIT)
    expect(preview.locator(".url a")).to_have_count(0)  # the simulated runtime serves nothing: no link
    expect(preview.locator(".url")).to_contain_text("simulated: not served")

    page.locator("#tabbtn-report").click()
    report = page.locator("#report-form")
    report.get_by_label("Environment", exact=True).select_option(preview.get_attribute("data-environment"))
    report.get_by_label("Status", exact=True).select_option("error")
    report.get_by_label("Error message", exact=True).fill("out of memory")
    report.get_by_role("button", name="Send report").click()
    expect(page.locator("#report-answer")).to_contain_text("accepted")
    expect(preview.locator(".status")).to_have_text("error", timeout=WAIT)
    expect(preview).to_contain_text("out of memory")

    page.locator("#tabbtn-environments").click()
    preview.get_by_role("button", name="Redeploy").click()
    expect(preview.locator(".status")).to_have_text("running", timeout=WAIT)
    preview.get_by_role("button", name="Logs").click()
    logs = page.locator("#logs")
    expect(logs).to_contain_text("running-tests")
    page.locator("#logs-search").fill("pass main.w")
    expect(logs.locator(".log-line:visible")).to_have_count(2)  # running-server and running each list the test
    expect(logs.locator("mark").first).to_have_text("pass main.w")

    preview.get_by_role("button", name="Stop").click()
    expect(preview.locator(".status")).to_have_text("stopped", timeout=WAIT)
    expect(preview.get_by_role("button", name="Stop")).to_be_disabled()
    expect(page.locator("#logs-state")).to_contain_text("no deployment")  # a stop purges the logs


def test_a_publish_the_spec_refuses_shows_the_error_on_the_field_and_a_valid_one_is_delivered(
    server: Server, page: Any
) -> None:
    from playwright.sync_api import expect

    create_app(server)
    webhook(server, "pull_request.opened.json", "pull_request", "pub-1")
    preview = page.locator("#environments [data-environment]", has_text="changes")
    expect(preview.locator(".status")).to_have_text("running", timeout=WAIT)
    env_id = preview.get_attribute("data-environment")

    page.locator("#tabbtn-publish").click()
    form = page.locator("#publish-form")
    form.get_by_label("Message", exact=True).select_option("EnvironmentStopRequested")
    field = form.get_by_label("environment_id", exact=True)
    expect(field).to_have_value("env_1b9d4e2f")  # the spec's example
    field.fill("not-an-id")
    form.get_by_role("button", name="Validate and publish").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#publish-field-environment_id-error")).to_contain_text("does not match")
    expect(page.locator("#publish-error")).to_contain_text("the spec refuses 1 field")

    field.fill(env_id)
    form.get_by_role("button", name="Validate and publish").click()
    expect(page.locator("#publish-status")).to_contain_text("Published EnvironmentStopRequested")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(preview.locator(".status")).to_have_text("stopped", timeout=WAIT)
    page.locator("#publish-status .open-trace").click()
    expect(
        page.locator('#waterfall [data-handled-by="environments"][data-detail-type="EnvironmentStopRequested"]')
    ).to_be_visible()


def test_the_outside_world_panel_shows_every_call(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    create_app(server)
    expect(page.locator("#environments [data-environment] .status")).to_have_text("running", timeout=WAIT)
    page.locator("#tabbtn-outside").click()
    expect(page.locator("#outside-backends")).to_contain_text("GitHub: embedded")
    machine = page.locator('#outside-calls tr[data-port="flyio"]', has_text="run_machine")
    expect(machine).to_have_count(1)
    expect(machine).to_contain_text("runtime")
    expect(page.locator("#outside-calls tr", has_text="update_webhook_url")).to_contain_text("the server")
    page.locator("#outside-port").select_option("dns")
    expect(page.locator('#outside-calls tbody tr:not([data-port="dns"])')).to_have_count(0)
    expect(page.locator('#outside-calls tr[data-port="dns"]').first).to_be_visible()
    page.locator('#outside-calls tr[data-port="dns"]').first.click()
    expect(page.locator("#outside-detail")).to_contain_text('"asked"')


def test_a_dead_letter_marks_its_service_and_is_redriven(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    unreachable_dnsimple = {
        "WINGCLOUD_DNSIMPLE_TOKEN": "test",
        "WINGCLOUD_DNSIMPLE_ACCOUNT_ID": "1",
        "WINGCLOUD_DNSIMPLE_API_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
    }
    server = start(tmp_path, unreachable_dnsimple)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=tools.require("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server.url}/#token={TOKEN}")
            expect(page.locator("#connection")).to_have_text("live", timeout=WAIT)
            create_app(server)
            endpoints = page.locator('[data-service="endpoints"]')
            expect(endpoints).to_have_class(re.compile(r"\bdead\b"), timeout=WAIT)  # its DNS records cannot be made
            expect(endpoints.locator(".badge text")).not_to_have_text("0")
            page.locator("#tabbtn-dead-letters").click()
            letter = page.locator('#dead-letters tbody tr[data-letter-service="endpoints"]').first
            expect(letter).to_contain_text("ConnectError")
            letter_id = letter.get_attribute("data-letter-id")
            letter.get_by_role("button", name="Redrive").click()
            expect(page.locator(f'#dead-letters tr[data-letter-id="{letter_id}"]')).to_have_count(0, timeout=WAIT)
            browser.close()
    finally:
        server.stop()


def test_a_reset_asks_first_and_leaves_a_clear_empty_state(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    create_app(server)
    expect(page.locator("#environments [data-environment] .status")).to_have_text("running", timeout=WAIT)
    expect(page.locator("#start-here")).to_be_hidden()
    page.locator("#reset-open").click()
    dialog = page.locator("#reset-dialog")
    expect(dialog).to_be_visible()
    go = dialog.get_by_role("button", name="Reset everything")
    expect(go).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert httpx.get(f"{server.url}/api/apps", headers=AUTH).json() != []  # nothing happened

    page.locator("#reset-open").click()
    dialog.get_by_label("Type reset to confirm", exact=True).fill("reset")
    go.click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#start-here")).to_be_visible()
    expect(page.locator("#timeline-count")).to_have_text("No events yet: create an app or send a webhook.")
    page.locator("#tabbtn-environments").click()
    expect(page.locator("#environments-empty")).to_be_visible()
    expect(page.locator("svg.map .count:visible")).to_have_count(0)
    expect(page.locator('[data-service="runtime"] .stats')).to_have_text("received 0")
    assert httpx.get(f"{server.url}/api/apps", headers=AUTH).json() == []
    assert httpx.get(f"{server.url}/api/apps", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
