"""One deployment, from checkout to a watched, running app: `Agent.run()`, the agent's whole life.

deploying -> (checkout, install) -> running-tests -> (wing test, and `wing it` starting beside it) ->
running-server | tests-error -> (the app's endpoints) -> running -> (watch: the app's logs; an error when it dies). Any failure before running
is reported as `error` with the failing tool's message; a 409 from wing.cloud (a newer deployment, or a stop)
ends the agent quietly.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from agent import steps
from agent.config import AgentSettings
from agent.proxy import Front
from agent.reporter import CloneAccess, Redactor, Reporter, SupersededError
from agent.serving import App

log = logging.getLogger("wingcloud.agent")
WATCH_EVERY = 0.5  # seconds between looks at the app (alive? new log entries?)
ASK_EVERY = 30.0  # seconds between asking wing.cloud whether this deployment is still current


class Agent:
    def __init__(self, settings: AgentSettings, reporter: Reporter | None = None) -> None:
        self.settings = settings
        self.secrets = {name: os.environ[name] for name in settings.secrets if name in os.environ}
        hidden = [*self.secrets.values(), settings.report_token, settings.git_token or ""]
        self.reporter = reporter or Reporter(
            settings.report_url,
            settings.logs_url,
            settings.report_token,
            environment_id=settings.environment_id,
            deployment_id=settings.deployment_id,
            correlation_id=settings.correlation_id,
            redact=Redactor(hidden),
        )
        self.grace = settings.superseded_grace
        self.stopping = threading.Event()
        self.app: App | None = None
        self.front = Front()
        self._front_server: uvicorn.Server | None = None

    def run(self) -> int:
        """0 when the deployment ended as it should (superseded, stopped); 1 when it failed."""
        self.reporter.start()
        if self.settings.proxy_port is not None:
            self._serve_front(self.settings.proxy_port)
        try:
            return self._run()
        except SupersededError:
            self._say("deploy", "this deployment is no longer current: stopping")
            return 0
        finally:
            if self.app is not None:
                self.app.stop()
            if self._front_server is not None:
                self._front_server.should_exit = True
            self.reporter.close()

    def _run(self) -> int:
        s = self.settings
        self._status("deploying")
        try:
            app_dir = s.work_dir / "app"
            self._check_out(app_dir)
            self._write_env_file(app_dir)
            steps.install(app_dir, self._deploy_line)
            wing = steps.find_wing(app_dir, s.wing, s.winglang_version, s.cache_dir, self._deploy_line)
            self._status("running-tests")
            # `wing it` compiles and starts beside `wing test` (which runs on a copy of the app, so each has its
            # own target folder): on two cores the app is up about when the tests are done; the statuses still
            # come in their order.
            self.app = App(wing, app_dir, s.entrypoint, s.work_dir / "state", s.console_port, self.secrets)
            self.app.pipe_output(lambda line: self.reporter.line("app", line))
            tests = steps.test(
                wing,
                app_dir,
                s.entrypoint,
                s.work_dir / "test-results.json",
                self._deploy_line,
                self.secrets,
                s.work_dir / "tested",
            )
            if tests.harness_error:
                self._say("deploy", f"the test harness failed; the deployment goes on:\n{tests.harness_error}")
            self._status("running-server" if tests.passed else "tests-error", test_results=tests.results)
            served = self.app.endpoints()
        except steps.StepError as error:
            self._status("error", error_message=str(error))
            return 1
        self._status("running", test_results=tests.results, endpoints=[self._public(e) for e in served], served=served)
        return self._watch()

    def _watch(self) -> int:
        """Stream the app's logs until it stops or the agent is told to stop. Once superseded (a newer deployment
        of the environment exists), keep serving for a grace period: the successor takes over the URL when it
        runs, and whoever runs machines retires this one then (or the grace ends)."""
        assert self.app is not None
        superseded_at: float | None = None
        asked = time.monotonic()
        while not self.stopping.wait(WATCH_EVERY):
            if time.monotonic() - asked > ASK_EVERY:  # a quiet app sends no lines that would hear the 409
                asked = time.monotonic()
                self.reporter.still_current()
            code = self.app.process.poll()
            if code is not None:
                tail = "\n".join(self.app.tail)
                if superseded_at is None:
                    self._status("error", error_message=f"the app stopped (exit status {code}):\n{tail}")
                return 0 if superseded_at is not None else 1
            if self.reporter.superseded.is_set():
                if superseded_at is None:
                    superseded_at = time.monotonic()
                    log.info("superseded: serving for up to %.0f s while the next deployment starts", self.grace)
                if time.monotonic() - superseded_at > self.grace:
                    log.info("superseded %.0f s ago: stopping the app", self.grace)
                    return 0
                continue
            try:
                for line in self.app.new_logs():
                    self.reporter.line("app", line)
            except Exception as error:  # the console may be busy; the next round reads what this one missed
                log.debug("could not read the app's logs: %s", error)
        self._say("deploy", "stopping the app")
        return 0

    def _check_out(self, app_dir: Path) -> None:
        """Clone the app at its commit. The machine's token may have expired (GitHub's last an hour, and fly.io
        restarts a machine with the secrets it started with): when the code host refuses it, or none was given
        for an HTTPS repository, wing.cloud gives a fresh one, once. A 409 there stops the agent
        (SupersededError); any other failure leaves the clone's own error."""
        s = self.settings
        shown = s.git_url or s.repository
        url, user, token = s.git_url, s.git_user, s.git_token
        asked = False
        if not token and steps.clone_url(s.repository, s.git_url).startswith("https://"):
            asked, fresh = True, self._fresh_access(f"no token to clone {shown} with: asking wing.cloud for one")
            if fresh is not None:
                url, user, token = fresh.url, fresh.username, fresh.token
        try:
            source = steps.clone_source(s.repository, url, token, user)
            steps.checkout(source, s.sha, app_dir, self._deploy_line, shown=shown)
        except steps.CredentialsRefusedError:
            why = f"{shown} refused the token (expired?): asking wing.cloud for a fresh one"
            fresh = None if asked else self._fresh_access(why)
            if fresh is None:
                raise
            source = steps.clone_source(s.repository, fresh.url, fresh.token, fresh.username)
            steps.checkout(source, s.sha, app_dir, self._deploy_line, shown=shown)

    def _fresh_access(self, why: str) -> CloneAccess | None:
        """A fresh token from wing.cloud (its 409 stops the agent), or None, said in the deploy log."""
        self._say("deploy", why)
        try:
            return self.reporter.clone_access()
        except SupersededError:
            raise
        except RuntimeError as error:
            self._say("deploy", f"wing.cloud gave no token to clone with: {error}")
            return None

    # --- helpers ------------------------------------------------------------------------------------------

    def _serve_front(self, port: int) -> None:
        """Health and endpoints on one port, in a thread (uvicorn installs no signal handlers off the main one)."""
        config = uvicorn.Config(self.front, host="0.0.0.0", port=port, log_level="warning", lifespan="off")
        self._front_server = uvicorn.Server(config)
        threading.Thread(target=self._front_server.run, name="agent-front", daemon=True).start()

    def _status(self, status: str, *, served: list[dict[str, str]] | None = None, **facts: Any) -> None:
        if served is not None:
            self.front.served = {e["label"]: e["url"] for e in served}
        self.front.status = status
        # The local supervisor learns where the app is served before wing.cloud learns it runs: a `running`
        # report retires the previous deployment, whose URL must already lead here.
        if self.settings.status_file is not None:  # for a local supervisor: what runs, and where
            record = {"status": status, "served": served or [], "console": self.app.console if self.app else None}
            temporary = self.settings.status_file.with_suffix(".tmp")
            temporary.write_text(json.dumps(record))
            temporary.replace(self.settings.status_file)
        self.reporter.report(status, **facts)

    def _public(self, endpoint: dict[str, str]) -> dict[str, str]:
        template = self.settings.endpoint_url
        url = template.format(label=endpoint["label"]) if template else endpoint["url"]
        return {"label": endpoint["label"], "url": url}

    def _deploy_line(self, text: str) -> None:
        self.reporter.line("deploy", text)

    def _say(self, stream: str, text: str) -> None:
        self.reporter.line(stream, text)

    def _write_env_file(self, app_dir: Path) -> None:
        """The Wing simulator reads `cloud.Secret` values from the app's `.env`."""
        if self.secrets:
            lines = [f"{name}={json.dumps(value)}" for name, value in sorted(self.secrets.items())]
            env_file = app_dir / ".env"
            env_file.write_text("\n".join(lines) + "\n")
            env_file.chmod(0o600)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would drown the agent's own
    agent = Agent(AgentSettings())  # every field comes from the environment

    def stop(signum: int, frame: object) -> None:
        agent.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return agent.run()
