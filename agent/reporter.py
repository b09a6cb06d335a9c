"""The agent's lines to wing.cloud: status reports and log batches, and a fresh token to clone with when the
one the machine started with no longer works; all authenticated by the deployment's token, all retried while
wing.cloud cannot be reached. A 409 means this deployment is no longer current (a newer one replaced it, or the
environment stopped): the agent stops.

Every line and message leaves through `Redactor` first: the app's secret values, the git tokens (the first and
any fresh one) and the report token never reach a log.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger("wingcloud.agent")
MAX_BATCH = 500  # lines per log request
FLUSH_EVERY = 0.5  # seconds between log requests while lines come


class SupersededError(RuntimeError):
    """wing.cloud answered 409: this deployment is no longer the environment's current one."""


class Redactor:
    """Replaces every known secret value in a text by `***`."""

    def __init__(self, values: Iterable[str]) -> None:
        # longest first, so a secret that contains another is replaced whole; short values are too likely to
        # appear by chance (and too weak to be secrets) to be worth mangling every line over
        self._values = sorted({v for v in values if v and len(v) >= 4}, key=len, reverse=True)

    def add(self, value: str) -> None:
        """A secret learnt later (a fresh git token), replaced from now on, as it is and as it is in a URL."""
        known = {*self._values, value, quote(value, safe="")}
        self._values = sorted({v for v in known if v and len(v) >= 4}, key=len, reverse=True)  # one assignment

    def __call__(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, "***")
        return text


@dataclass(frozen=True)
class CloneAccess:
    """What `POST /runtime/clone-access` answers: an HTTPS URL and the user and fresh token to clone it with."""

    url: str
    username: str
    token: str


@dataclass(frozen=True)
class Line:
    at: str
    stream: str  # "deploy" (clone, install, tests) or "app" (the running app)
    text: str


class Reporter:
    """Reports and log lines of one deployment."""

    def __init__(
        self,
        report_url: str,
        logs_url: str | None,
        token: str,
        *,
        environment_id: str,
        deployment_id: str,
        correlation_id: str | None,
        redact: Redactor,
        client: httpx.Client | None = None,
        patience: float = 60.0,
    ) -> None:
        self._report_url, self._logs_url, self._token = report_url, logs_url, token
        self._access_url = str(httpx.URL(report_url).join("clone-access"))  # .../runtime/reports: a sibling
        self._ids = {"environment_id": environment_id, "deployment_id": deployment_id}
        self._correlation_id = correlation_id
        self._redact = redact
        self._client = client or httpx.Client(timeout=10)
        self._patience = patience
        self._lines: list[Line] = []
        self._lock = threading.Lock()  # the queue of lines
        self._sending = threading.Lock()  # one flush at a time, so that batches leave in order
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, name="agent-logs", daemon=True)
        self.superseded = threading.Event()
        # one key per batch, unique across restarts of the agent: a batch resent after a lost answer is kept once
        self._batches = (f"{deployment_id}-{uuid.uuid4().hex[:12]}-{n}" for n in range(1, 1 << 62))

    def start(self) -> None:
        self._flusher.start()

    def close(self, patience: float = 3.0) -> None:
        """Send what is queued, trying for `patience` seconds at most: an agent told to stop (its server
        shutting down, its machine stopping) must not hang on a wing.cloud that no longer answers."""
        self._stop.set()
        self._patience = min(self._patience, patience)
        if self._flusher.is_alive():
            self._flusher.join(timeout=patience + 12)
        try:
            self.flush()
        except Exception as error:  # the lines are lost: say so where the agent's own output goes
            log.warning("could not send the last log lines: %s", error)

    # --- status -------------------------------------------------------------------------------------------

    def report(
        self,
        status: str,
        *,
        test_results: list[dict[str, Any]] | None = None,
        endpoints: list[dict[str, str]] | None = None,
        error_message: str | None = None,
    ) -> None:
        """Send one status; raises SupersededError when wing.cloud says the deployment is not current."""
        self.flush()  # the lines that led here come first
        body: dict[str, Any] = {**self._ids, "status": status}
        if test_results is not None:
            body["test_results"] = [{**t, "error": self._cut(t.get("error"))} for t in test_results]
        if endpoints is not None:
            body["endpoints"] = endpoints
        if error_message is not None:
            body["error_message"] = self._cut(error_message)
        if self._correlation_id:
            body["correlation_id"] = self._correlation_id
        key = f"{self._ids['deployment_id']}-{status}"
        self._post(self._report_url, body, {"Idempotency-Key": key})
        log.info("reported %s", status)  # the log of the deployment shows each status from the report

    def _cut(self, text: str | None, limit: int = 4000) -> str | None:
        if text is None:
            return None
        text = self._redact(text)
        return text if len(text) <= limit else text[: limit - 20] + "\n... (cut)"

    def still_current(self) -> bool:
        """Asks wing.cloud whether this deployment is still its environment's current one (sets `superseded`
        when not); True when wing.cloud cannot be reached: only a clear "no" stops an app."""
        try:
            response = self._client.get(self._report_url, params=self._ids, headers=self._auth())
        except httpx.TransportError:
            return True
        if response.status_code == 409:
            self.superseded.set()
            return False
        return True

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    # --- a fresh token to clone with ----------------------------------------------------------------------

    def clone_access(self) -> CloneAccess:
        """A fresh way to clone the app, from wing.cloud; its token is redacted from every line before it is
        returned. Raises SupersededError (409: no longer current, or the app was deleted) or RuntimeError
        (wing.cloud cannot give one: unreachable, or older than this door)."""
        response = self._post(self._access_url, self._ids, {})
        try:
            body = response.json()
            access = CloneAccess(str(body["url"]), str(body["username"]), str(body["token"]))
        except (ValueError, KeyError, TypeError):
            raise RuntimeError(f"{self._access_url} answered {response.status_code} without a clone token") from None
        self._redact.add(access.token)
        return access

    # --- logs ---------------------------------------------------------------------------------------------

    def line(self, stream: str, text: str) -> None:
        """Queue one log line (sent within FLUSH_EVERY seconds)."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._lines.append(Line(now, stream, self._redact(text.rstrip("\n"))[:8000]))

    def flush(self) -> None:
        """Send the queued lines now, in order (one sender at a time)."""
        with self._sending:
            with self._lock:
                lines, self._lines = self._lines, []
            if not lines or self._logs_url is None:
                return
            for start in range(0, len(lines), MAX_BATCH):
                batch = [{"at": x.at, "stream": x.stream, "text": x.text} for x in lines[start : start + MAX_BATCH]]
                try:
                    self._post(self._logs_url, {**self._ids, "lines": batch}, {"Idempotency-Key": next(self._batches)})
                except SupersededError:
                    return

    def _flush_loop(self) -> None:
        while not self._stop.wait(FLUSH_EVERY):
            try:
                self.flush()
            except Exception:  # logs are best effort; the statuses carry what matters
                log.exception("could not send log lines")

    # --- transport ----------------------------------------------------------------------------------------

    def _post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        started, delay = time.monotonic(), 0.5
        content = json.dumps(body).encode()
        auth = {**self._auth(), "Content-Type": "application/json", **headers}
        while True:
            try:
                response = self._client.post(url, content=content, headers=auth)
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 409:
                    self.superseded.set()
                    raise SupersededError(response.text)
                if response.status_code < 400:
                    return response
                if response.status_code < 500:  # our fault: retrying the same body cannot help
                    raise RuntimeError(f"{url} refused the request: {response.status_code} {response.text[:500]}")
                problem = f"{response.status_code} {response.text[:200]}"
            if time.monotonic() - started > self._patience:  # read each time: close() shortens it
                raise RuntimeError(f"cannot reach wing.cloud at {url}: {problem}")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
