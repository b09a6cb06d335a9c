"""The simulator's bus: the kernel (`bus`) driven by an agenda in virtual time, with archive and replay,
schedules, a trace of every step and seeded chaos.

Deterministic: event ids, retry jitter and chaos come from RNGs seeded at construction, and work runs in
(due time, sequence) order, so the same seed and the same calls give the same trace. What it adds to the
kernel is only what simulates: the agenda and its clock, chaos, the in-memory ledger, archive and DLQ.
"""

from __future__ import annotations

import contextlib
import random
import re
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bus.deadletters import INVALID_EVENT, DeadLetter
from bus.delivery import Outcome, Parcel, Target, command, deliver
from bus.envelope import Envelope
from bus.errors import ContractViolationError, InvalidEventError, NotQuietError, RedriveError
from bus.retry import RetryPolicy, settle_failure
from bus.routing import Router, Sealer, targets_of
from bus.schedule import parse_rate
from bus.trace import Trace, TraceKind
from events import Event
from ports import Arrival, Ports, ServiceDefinition
from sim._agenda import Agenda
from sim.archive import Archive
from sim.chaos import Chaos, ChaosConfig
from sim.clock import VirtualClock, require_aware
from sim.deadletters import DeadLetterQueue
from spec.contract import Contract

__all__ = ["Bus", "ContractViolationError", "DeadLetter", "InvalidEventError", "NotQuietError", "RedriveError"]

R = TypeVar("R")
_ACCOUNT = re.compile(r"^\d{12}$")
_REPLAY_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")  # EventBridge's StartReplay ReplayName


@dataclass(eq=False)
class Delivery:
    """A parcel on its way to one target, in the agenda."""

    parcel: Parcel
    target: Target
    since: datetime  # its age counts from here (publish, arrival, replay or redrive)
    attempts: int = 0
    chaos: str | None = None  # what chaos mode did to this delivery ("duplicate", "delayed 12.3 s")


@dataclass(eq=False)
class Schedule:
    service: str
    interval: timedelta
    producer: Callable[[], Sequence[Event]]


@dataclass
class MemoryUnit:
    """The kernel's unit of work in memory: the fakes are not transactional (a failed handler's writes stay,
    as a crashed process's would on a real store); the ledger records a parcel only once it was handled."""

    ports: Ports
    ledger: set[tuple[str, str]]

    def handled(self, target: str, key: str) -> bool:
        return (target, key) in self.ledger

    def complete(self, published: Sequence[Envelope], *, target: str | None = None, key: str | None = None) -> None:
        if target is not None and key is not None:
            self.ledger.add((target, key))


class Bus:
    """Publish events as a service, let things arrive through doors; deliver them to registered handlers as
    `run_*`/`advance` move time."""

    def __init__(
        self,
        contract: Contract,
        clock: VirtualClock,
        *,
        seed: int = 0,
        retry: RetryPolicy | None = None,
        chaos: ChaosConfig | None = None,
        account: str = "123456789012",
        region: str = "us-east-1",
    ) -> None:
        if not _ACCOUNT.match(account):
            raise ValueError(f"account must be a 12-digit string, got {account!r}")
        self.router = Router(contract)
        self.trace = Trace()
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(f"retry:{seed}")
        self._id_rng = random.Random(f"event-ids:{seed}")
        self._seal = Sealer(self.router, self._new_event_id, clock, account, region)
        self._chaos = Chaos(chaos) if chaos is not None else None
        self._archive = Archive()
        self._agenda: Agenda[Delivery | Schedule] = Agenda()
        self._pending = 0  # deliveries in the agenda (schedules do not count)
        self._targets: dict[str, Target] = {}  # target name -> target (rules and edges)
        self._doors: dict[str, Target] = {}  # door -> its edge's target
        self._ports: dict[str, Ports] = {}
        self._ledger: set[tuple[str, str]] = set()
        self._dead = DeadLetterQueue()

    # --- wiring -------------------------------------------------------------------------------------

    def register(self, service: ServiceDefinition, ports: Ports, *, partial: bool = False) -> None:
        """Make `service`'s handlers the targets of its rules and edges; `partial` allows missing handlers."""
        if service.name in self._ports:
            raise ValueError(f"service {service.name!r} is already registered on this bus")
        for target in targets_of(self.router, service, require_all=not partial):
            self._targets[target.name] = target
        for edge in service.edges.values():
            self._doors[edge.name] = self._targets[f"{service.name}--{edge.name}"]
        self._ports[service.name] = ports

    def ports_of(self, service: str) -> Ports:
        if service not in self._ports:
            raise KeyError(f"service {service!r} is not registered (registered: {', '.join(self._ports)})")
        return self._ports[service]

    def schedule(self, service: str, expression: str, producer: Callable[[], Sequence[Event]]) -> None:
        """Publish `producer()` as `service` every interval of a rate expression, first one interval from now."""
        interval = parse_rate(expression)
        self.router.check_service(service)
        self._agenda.push(self.clock.now() + interval, Schedule(service, interval, producer))

    # --- publishing and arrivals --------------------------------------------------------------------

    def publish(
        self,
        service: str,
        events: Sequence[Event],
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> list[Envelope]:
        """Seal, archive and route `events` sent by `service`; all or none of them are published.

        Without `correlation_id` the batch is correlated by its first event's id. An invalid detail is kept
        as a dead letter and raised as InvalidEventError; a message the service may not send raises
        ContractViolationError.
        """
        try:
            envelopes = self._seal(service, list(events), correlation_id, causation_id)
        except InvalidEventError as error:
            self._reject(error)
            raise
        for envelope in envelopes:
            self._accept(envelope)
        return envelopes

    def command(self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], *, correlation_id: str) -> R:
        """An API request: `work` with the service's ports, its events published under `correlation_id`.
        Raises what `work` raises; an invalid event is kept as a dead letter and raised, as on publish."""
        begin = lambda: self._unit(self.ports_of(service))  # noqa: E731
        try:
            result, published = command(service, work, begin, self._seal, correlation_id)
        except InvalidEventError as error:
            self._reject(error)
            raise
        for envelope in published:
            self._accept(envelope)
        return result

    def arrive(self, arrival: Arrival) -> None:
        """Something came through a door (already admitted there): deliver it to the door's edge."""
        target = self._doors.get(arrival.door)
        if target is None:
            raise ContractViolationError(
                f"no service has the door {arrival.door!r} (doors: {', '.join(sorted(self._doors)) or 'none'})",
                service="-",
            )
        self._fan_out(arrival, [target], self.clock.now())

    def _new_event_id(self) -> str:
        return str(uuid.UUID(int=self._id_rng.getrandbits(128), version=4))

    def _reject(self, error: InvalidEventError) -> None:
        now = self.clock.now()
        self.trace.add("rejected", error.envelope, now, error=str(error))
        self._file(DeadLetter(self._dead.new_id(), None, None, error.envelope, INVALID_EVENT, str(error), None, 0, now))

    def _accept(self, envelope: Envelope) -> None:
        now = self.clock.now()
        self._archive.add(now, envelope)
        self.trace.add("published", envelope, now)
        targets = [self._targets[rule.name] for rule in self.router.targets(envelope) if rule.name in self._targets]
        self._fan_out(envelope, targets, now)

    def _fan_out(self, parcel: Parcel, targets: Sequence[Target], now: datetime) -> None:
        for target in targets:
            planned = self._chaos.due_times(now) if self._chaos is not None else [(now, None)]
            for due, chaos in planned:
                self._push(due, Delivery(parcel, target, since=now, chaos=chaos))

    def _push(self, due: datetime, delivery: Delivery) -> None:
        self._pending += 1
        self._agenda.push(due, delivery, self._chaos.order() if self._chaos is not None else 0.0)

    # --- running ------------------------------------------------------------------------------------

    def run_until_quiet(self, max_deliveries: int = 100_000) -> int:
        """Deliver until nothing is pending, moving the clock to each retry; returns the handler calls made.

        Schedules fire only when the clock reaches them on the way; they alone never keep the bus busy.
        """
        return self._run(None, max_deliveries)

    def run_until(self, moment: datetime, max_deliveries: int = 100_000) -> int:
        """Run everything due up to and including `moment`, then leave the clock there."""
        calls = self._run(require_aware(moment), max_deliveries)
        if moment > self.clock.now():
            self.clock.set(moment)
        return calls

    def advance(self, delta: timedelta, max_deliveries: int = 100_000) -> int:
        return self.run_until(self.clock.now() + delta, max_deliveries)

    def _run(self, until: datetime | None, max_deliveries: int) -> int:
        calls = 0
        while (due := self._agenda.next_due()) is not None:
            if (until is None and self._pending == 0 and due > self.clock.now()) or (until is not None and due > until):
                break
            if calls >= max_deliveries:
                raise NotQuietError(f"the bus is still busy after {max_deliveries} deliveries")
            due, item = self._agenda.pop()
            if due > self.clock.now():
                self.clock.set(due)
            if isinstance(item, Schedule):
                self._tick(item, due)
            else:
                self._pending -= 1
                calls += 1
                self._deliver(item)
        return calls

    def _tick(self, schedule: Schedule, due: datetime) -> None:
        self._agenda.push(due + schedule.interval, schedule)
        # An invalid event is already a dead letter and a "rejected" record; the schedule keeps running.
        with contextlib.suppress(InvalidEventError):
            self.publish(schedule.service, schedule.producer())

    def _deliver(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        ports = self._ports[delivery.target.service]
        outcome = deliver(delivery.parcel, delivery.target, lambda: self._unit(ports), self._seal)
        now = self.clock.now()
        if outcome.error is None:
            self._note("delivered", delivery, note=_with("duplicate: already handled", delivery.chaos, outcome))
            for envelope in outcome.published:
                self._accept(envelope)
            return
        self._settle(delivery, outcome, now)

    @contextlib.contextmanager
    def _unit(self, ports: Ports) -> Iterator[MemoryUnit]:
        yield MemoryUnit(ports, self._ledger)

    def _settle(self, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
        if outcome.rejected is not None:
            self.trace.add("rejected", outcome.rejected, now, error=str(outcome.error))
        self._note("failed", delivery, error=outcome.summary)
        settled = settle_failure(
            delivery.target,
            delivery.parcel,
            outcome,
            attempts=delivery.attempts,
            since=delivery.since,
            now=now,
            policy=self.retry,
            rng=self._rng,
            new_letter_id=self._dead.new_id,
        )
        if isinstance(settled, DeadLetter):
            self._file(settled)
        else:
            self._push(settled, delivery)
            self._note("retry-scheduled", delivery, attempt=delivery.attempts + 1, due_at=settled)

    def _note(self, kind: TraceKind, delivery: Delivery, **facts: Any) -> None:
        facts.setdefault("attempt", delivery.attempts)
        facts.setdefault("note", delivery.chaos)
        target = delivery.target
        self.trace.add(
            kind,
            delivery.parcel,
            self.clock.now(),
            source=target.trigger,
            target_service=target.service,
            target=target.name,
            **facts,
        )

    def _file(self, letter: DeadLetter) -> None:
        self._dead.add(letter)
        source = self._targets[letter.target].trigger if letter.target in self._targets else None
        self.trace.add(
            "dead-lettered",
            letter.parcel,
            letter.at,
            source=source,
            target_service=letter.service,
            target=letter.target,
            attempt=letter.attempts,
            error=f"{letter.error_code}: {letter.error_message}",
        )

    # --- dead letters, archive and replay -----------------------------------------------------------

    @property
    def dead_letters(self) -> list[DeadLetter]:
        return self._dead.list()

    def redrive(self, dead_letter_id: str) -> None:
        """Send a dead letter's parcel to its target again, with fresh attempts and age; drop it from the DLQ."""
        letter = self._dead.get(dead_letter_id)
        if letter is None:
            raise RedriveError(f"no dead letter with id {dead_letter_id!r}")
        target = self._targets.get(letter.target) if letter.target is not None else None
        if target is None:
            raise RedriveError(
                f"dead letter {dead_letter_id!r} has no target to redrive to (target {letter.target!r}); "
                "an event rejected at publish must be published again, corrected"
            )
        self._dead.remove(dead_letter_id)
        now = self.clock.now()
        delivery = Delivery(letter.parcel, target, since=now)
        self._note("redriven", delivery, due_at=now)
        self._push(now, delivery)

    @property
    def archive(self) -> list[Envelope]:
        """Every published envelope in publish order; replays are not archived again."""
        return self._archive.envelopes()

    def replay(self, name: str, start: datetime, end: datetime, rules: Collection[str] | None = None) -> int:
        """Re-send archived events published at `start <= t < end` to their matching rules (or only `rules`),
        marked with `replay-name`; returns how many events were re-sent. A replay runs handlers again on
        purpose: its deliveries are not duplicates of the first ones (`bus.delivery.key_of`)."""
        if not _REPLAY_NAME.match(name):
            raise ValueError(f"replay name {name!r} must be 1 to 64 characters of A-Z a-z 0-9 . - _")
        selected = None if rules is None else set(rules)
        unknown = sorted((selected or set()) - set(self.router.rules))
        if unknown:
            raise ValueError(f"replay {name!r} names rules the spec does not define: {', '.join(unknown)}")
        now, replayed = self.clock.now(), 0
        for entry in list(self._archive.window(require_aware(start), require_aware(end))):
            envelope = entry.envelope.replayed(name)
            matched = [
                self._targets[r.name]
                for r in self.router.targets(envelope)
                if r.name in self._targets and (selected is None or r.name in selected)
            ]
            if not matched:
                continue
            replayed += 1
            self.trace.add("replayed", envelope, now)
            self._fan_out(envelope, matched, now)
        return replayed


def _with(mark: str, chaos: str | None, outcome: Outcome) -> str | None:
    """The trace note of a delivery: what chaos did to it, and whether it was a duplicate."""
    notes = [note for note in (chaos, mark if outcome.duplicate else None) if note]
    return ", ".join(notes) or None
