"""The console in a real browser (Playwright driving Debian's chromium): create an app, watch a preview reach
`running` after a webhook, and redrive a dead letter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.adapters.local.conftest import AUTH, TOKEN, fixture_body, signed
from tests.adapters.local.process import Server, free_port, wait_for
from wingcloud import tools

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    unreachable_dnsimple = {
        "WINGCLOUD_DNSIMPLE_TOKEN": "test",
        "WINGCLOUD_DNSIMPLE_ACCOUNT_ID": "1",
        "WINGCLOUD_DNSIMPLE_API_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "WINGCLOUD_MAX_RETRIES": "0",
    }
    running = Server(tmp_path / "data", free_port(), step=0.1, env=unreachable_dnsimple)
    running.start()
    yield running
    running.stop()


@pytest.mark.slow
@pytest.mark.needs_tool("chromium")
def test_the_console_shows_a_preview_reach_running_and_redrives_a_dead_letter(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=tools.require("chromium"), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/#token={TOKEN}")
            expect(page.locator("#connection")).to_have_text("live", timeout=15_000)
            expect(page.locator("#services li")).to_have_count(10)

            form = page.locator("#app-form")
            form.locator("input[name=name]").fill("hello")
            form.locator("input[name=repository]").fill("Codertocat/Hello-World")
            form.locator("input[name=default_branch]").fill("master")
            form.get_by_role("button", name="Create app").click()
            expect(page.locator("#apps tbody tr")).to_have_count(1, timeout=15_000)

            body = fixture_body("pull_request.opened.json")
            assert (
                httpx.post(
                    f"{server.url}/webhooks/github", content=body, headers=signed(body, "pull_request", "browser-1")
                ).status_code
                == 202
            )
            preview = page.locator("#environments tbody tr", has_text="changes")
            expect(preview.locator(".status")).to_have_text("running", timeout=30_000)
            expect(page.locator("#timeline")).to_contain_text("PullRequestOpened")

            page.locator(".timeline-entry", has_text="PullRequestOpened").first.click()
            expect(page.locator("#trace")).to_contain_text("EnvironmentCreated", timeout=15_000)

            # dnsimple is unreachable (see the fixture) and deliveries are not retried: the preview's DNS
            # records cannot be made, so its EnvironmentStatusChanged to running is a dead letter
            letter = page.locator("#dead-letters tbody tr", has_text="ConnectError").first
            expect(letter).to_be_visible(timeout=15_000)
            letter_id = letter.get_attribute("data-letter-id")
            listed = httpx.get(f"{server.url}/api/dead-letters", headers=AUTH).json()
            correlation = next(d["correlation_id"] for d in listed if d["id"] == letter_id)
            letter.locator("button.redrive").click()
            expect(page.locator(f'#dead-letters tr[data-letter-id="{letter_id}"]')).to_have_count(0, timeout=15_000)
        finally:
            browser.close()

    def redriven() -> bool:
        records = httpx.get(f"{server.url}/api/trace/{correlation}", headers=AUTH).json()["records"]
        return any(r["kind"] == "redriven" for r in records)

    assert wait_for(redriven, "the redrive to be traced", timeout=30)
