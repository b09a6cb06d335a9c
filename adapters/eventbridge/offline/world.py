"""`sim.world.WorldLike` on the EventBridge backend: the generated stack deployed on a moto server, each
service's consumer built exactly as its Lambda builds it (from the function's deployed environment), and
the queues pumped in-process as Lambda's event source mapping would.

The outside world (GitHub, fly.io, dnsimple), time and ids are the simulator's fakes, so the scenarios
written for the simulator inspect them unchanged. wing.cloud's own state lives in moto's DynamoDB, S3 and
KMS, and every event travels PutEvents -> rule -> SQS -> handler.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from adapters.eventbridge.function.consumer import Consumer, Handled
from adapters.eventbridge.function.entry import build_consumer
from adapters.eventbridge.function.ingress import behind_mangum, build_backend
from adapters.eventbridge.function.routes import ROUTES
from adapters.eventbridge.function.state import DynamoSecretStore
from adapters.eventbridge.function.wiring import Outside
from adapters.eventbridge.offline.esm import QueuePump
from adapters.eventbridge.offline.ingress import Answer, call, http_api_event, own_event_loop
from adapters.eventbridge.offline.observe import dead_letters_of, trace_of
from adapters.eventbridge.offline.stack import OfflineStack, scheduled_event
from bus.deadletters import DeadLetter
from bus.envelope import Envelope
from bus.schedule import parse_rate
from bus.trace import TraceRecord
from events import Event
from ports import App, Arrival, Environment, FeedItem, Ports, RuntimeReport, Settings
from ports.codec import to_json
from services import cleaner, github, logs
from services.github import WebhookRejectedError
from services.gitlab import WEBHOOKS as GITLAB_WEBHOOKS
from services.gitlab import WebhookRejectedError as GitLabWebhookRejectedError
from services.runtime import InvalidReportError
from sim.fakes import EPOCH, Fakes, RuntimeScript
from sim.player import play_until_quiet
from sim.world import FrontDoor

R = TypeVar("R")


class IngressError(RuntimeError):
    """The ingress function answered a door's request with a server error."""


class ChaosUnsupportedError(ValueError):
    """Chaos mode is the simulator's; on this backend SQS and EventBridge bring their own duplicates."""


class AwsWorld(FrontDoor):
    """wing.cloud on EventBridge, SQS, Lambda (played in-process), DynamoDB, S3 and KMS, all on moto."""

    def __init__(
        self,
        stack: OfflineStack,
        *,
        script: RuntimeScript = RuntimeScript.SUCCESS,
        settings: Settings | None = None,
        start: datetime = EPOCH,
    ) -> None:
        stack.reset()
        self.stack = stack
        self.fakes = Fakes()
        self.fakes.clock.set(start)
        self.fakes.flyio.script = script
        self.github, self.gitlab, self.flyio, self.dns = (
            self.fakes.github,
            self.fakes.gitlab,
            self.fakes.flyio,
            self.fakes.dns,
        )
        self.settings = replace(settings or Settings(), console_page=False)  # as the functions have them
        outside = Outside(
            self.github, self.flyio, self.dns, clock=self.fakes.clock, ids=self.fakes.ids, gitlab=self.gitlab
        )
        self.journal: list[Handled] = []
        self.consumers: dict[str, Consumer] = {}
        for service in stack.services():
            consumer = build_consumer(stack.settings_of(service, self.settings), stack.clients, outside)
            consumer.journal = self.journal
            consumer.on_publish = self._expect
            self.consumers[service] = consumer
        # The doors: the ingress function's own code (Mangum + the ASGI app), called with API Gateway events.
        self.ingress = build_backend(stack.ingress_settings(self.settings), stack.clients, outside)
        for consumer in self.ingress.consumers.values():
            consumer.journal, consumer.on_publish = self.journal, self._expect
        with own_event_loop():
            self.ingress_handler = behind_mangum(self.ingress)
        sqs = stack.clients("sqs")
        self.pumps = {
            service: QueuePump(sqs, url, self.consumers[service].handle, repair=stack.repair)
            for service, url in sorted(stack.deployment.queues.items())
        }
        self._expected: set[str] = set()
        self._published: list[Envelope] = []
        self._interval = parse_rate(cleaner.SCHEDULE)
        self._next_tick = start + self._interval
        github.sync_webhook_url(f"{self.settings.console_url}/webhooks/github", self.ports("github"))

    def ports(self, service: str) -> Ports:
        return self.consumers[service].ports

    # --- ways in: the doors over HTTP through the ingress function; commands as its API routes run them ----

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Answer:
        """One HTTP request to the stack's ingress, as API Gateway passes it to the function."""
        route = next((r for r in ROUTES if r == f"{method} {path}"), "ANY /api/{proxy+}")
        return call(
            self.ingress_handler, http_api_event(method, path, body=body, headers=headers, query=query, route=route)
        )

    def deliver_webhook(self, event_name: str, body: bytes, delivery_id: str) -> str:
        """A GitHub delivery, signed with the stack's webhook secret, POSTed to /webhooks/github."""
        signature = "sha256=" + hmac.new(self.ingress.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event_name,
            "X-GitHub-Delivery": delivery_id,
            "X-Hub-Signature-256": signature,
            "User-Agent": "GitHub-Hookshot/offline",
        }
        self._post_webhook("/webhooks/github", body, headers, WebhookRejectedError)
        return delivery_id

    def _post_webhook(
        self, path: str, body: bytes, headers: dict[str, str], rejected: Callable[[str, str], Exception]
    ) -> None:
        """POST one delivery to a webhook door: a 400 raises the door's rejection (as the edge would), any other
        answer than 200/202 is the ingress failing."""
        answer = self.request("POST", path, body=body, headers=headers)
        if answer.status == 400:
            found = answer.json()
            raise rejected(found["detail"], found["error"])
        if answer.status not in (200, 202):
            raise IngressError(f"POST {path} answered {answer.status}: {answer.body[:500]!r}")

    def deliver_at(self, door: str, name: str, body: bytes, arrival_id: str) -> str:
        """A delivery through its HTTP door on the ingress function: GitHub's signed, GitLab's with the stack's
        token in X-Gitlab-Token and its id as GitLab's Idempotency-Key."""
        if door == github.WEBHOOKS.name:
            return self.deliver_webhook(name, body, arrival_id)
        if door != GITLAB_WEBHOOKS.name:
            raise AssertionError(f"no HTTP door {door!r} on the ingress function")
        headers = {
            "Content-Type": "application/json",
            "X-Gitlab-Event": name,
            "X-Gitlab-Token": self.ingress.gitlab_webhook_token,
            "Idempotency-Key": arrival_id,
            "X-Gitlab-Event-UUID": arrival_id,
            "User-Agent": "GitLab/offline",
        }
        self._post_webhook("/webhooks/gitlab", body, headers, GitLabWebhookRejectedError)
        return arrival_id

    def report(self, report: RuntimeReport) -> None:
        """A runtime report, with its deployment's token, POSTed to /runtime/reports (409: stale, recorded)."""
        token = self.ingress.tokens.issue(report.environment_id, report.deployment_id)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": self._new_request_id(),
        }
        answer = self.request("POST", "/runtime/reports", body=to_json(report), headers=headers)
        if answer.status == 400:
            raise InvalidReportError(answer.json()["detail"])
        if answer.status not in (200, 202, 409):
            raise IngressError(f"POST /runtime/reports answered {answer.status}: {answer.body[:500]!r}")

    def _arrive(self, arrival: Arrival) -> None:
        raise AssertionError("arrivals come through the ingress function's HTTP doors on this backend")

    def _command(self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], correlation_id: str) -> R:
        return self.consumers[service].command(work, correlation_id)

    def _service_ports(self, service: str) -> Ports:
        return self.ports(service)

    def _new_request_id(self) -> str:
        return self.fakes.ids.new("req")

    # --- time ---------------------------------------------------------------------------------------------

    def run(self, *, full: bool = True) -> None:
        """Pump every queue until quiet, letting the fake runtime send each report it has, until all is quiet."""
        play_until_quiet(self.flyio, self.report, lambda: self._settle(full=full))

    def _expect(self, envelopes: list[Envelope]) -> None:
        """Note which queues the simulator's matcher says these events went to, to poll those first."""
        router = self.consumers["github"].router
        self._expected.update(rule.service for envelope in envelopes for rule in router.targets(envelope))

    def _settle(self, *, full: bool = True, max_polls: int = 10_000) -> None:
        """Pump until the queues are empty. Queues expected to hold something are polled first; with `full`
        a quiet spell ends with a poll of every queue, so an event moto routes where the simulator would not
        is still handled (the routing-parity test is where such a difference fails)."""
        for _ in range(max_polls):
            wanted = sorted(self._expected & set(self.pumps))
            self._expected.clear()
            if not wanted:
                if not full or sum(pump.pump_once().received for pump in self.pumps.values()) == 0:
                    break
                continue
            for service in wanted:
                outcome = self.pumps[service].pump_once()
                if outcome.failed or outcome.received == self.pumps[service].batch_size:
                    self._expected.add(service)
        else:
            raise RuntimeError(f"queues still busy after {max_polls} polls (a handler loop, or a poison message?)")
        if full:
            self._published.extend(Envelope.from_wire(e) for e in self.stack.tapped())

    def advance(self, delta: timedelta) -> None:
        """Move the clock; each hourly tick on the way invokes the cleaner as its schedule rule would. Between
        ticks only the queues the ticks' events are routed to are pumped; everything is pumped at the end."""
        until = self.fakes.clock.now() + delta
        while self._next_tick <= until:
            self.fakes.clock.set(self._next_tick)
            self.consumers["cleaner"].handle(scheduled_event(self._next_tick, self.stack))
            self._next_tick += self._interval
            self.run(full=False)
        self.fakes.clock.set(until)
        self.run()

    def now(self) -> datetime:
        return self.fakes.clock.now()

    # --- what happened ------------------------------------------------------------------------------------

    def environments(self, app_id: str | None = None) -> list[Environment]:
        table = self.ports("environments").environments
        rows = table.list_all() if app_id is None else table.list_by_app(app_id)
        return sorted(rows, key=lambda env: env.id)

    def environment(self, environment_id: str) -> Environment:
        env = self.ports("environments").environments.get(environment_id)
        if env is None:
            raise KeyError(f"no environment {environment_id!r}")
        return env

    def apps(self) -> list[App]:
        return sorted(self.ports("apps").apps.list_all(), key=lambda app: app.id)

    def events(self, detail_type: str | None = None) -> list[Envelope]:
        """Every event that crossed the bus (as EventBridge delivered it to a tap rule), in publish order."""
        return [e for e in self._published if detail_type is None or e.detail_type == detail_type]

    def trace(self) -> list[TraceRecord]:
        """Published events and the deliveries the consumers saw (EventBridge keeps no such log itself)."""
        return trace_of(self._published, self.journal, self.now())

    def logs(self, environment_id: str) -> str:
        return logs.read_logs(environment_id, self.ports("logs"))

    def feed(self) -> list[FeedItem]:
        return self.ports("notifications").feed.recent(limit=10_000)

    def dead_letters(self) -> list[DeadLetter]:
        """What sits in the services' dead-letter queues, with the last error the consumer saw."""
        return dead_letters_of(self.stack.dead_letters(), self.journal, self.now())

    def stored_secret_bytes(self) -> list[bytes]:
        store = DynamoSecretStore(self.stack.clients("dynamodb"), self.stack.deployment.stores["secrets"])
        return [s.ciphertext + s.wrapped_key for app in self._secret_apps() for s in store.list(app)]

    def _secret_apps(self) -> list[str]:
        table = self.stack.deployment.stores["secrets"]
        items = self.stack.clients("dynamodb").scan(TableName=table, ProjectionExpression="pk").get("Items", [])
        return sorted({item["pk"]["S"] for item in items})


def world(*, chaos: object = None, **options: Any) -> AwsWorld:
    """The factory `features/` calls per scenario (`--backend eventbridge`)."""
    if chaos is not None:
        raise ChaosUnsupportedError("chaos mode runs on the simulator only (--backend sim)")
    from adapters.eventbridge.offline.stack import shared_stack

    return AwsWorld(shared_stack(), **options)
