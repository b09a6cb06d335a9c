"""The kernel's one delivery attempt (`bus.delivery.deliver`) and its one idempotency rule, on their own:
every backend delivers through these, so what they decide holds everywhere."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from test_bus_toys import START, contract, example

from bus.delivery import Outcome, Target, command, deliver, key_of
from bus.envelope import Envelope
from bus.routing import Router, Sealer
from events import Event
from ports import Arrival
from sim.bus import MemoryUnit
from sim.clock import VirtualClock


class Ledger:
    """Memory units over one ledger, noting what each completed unit published."""

    def __init__(self) -> None:
        self.handled: set[tuple[str, str]] = set()
        self.units = 0

    @contextlib.contextmanager
    def begin(self) -> Iterator[MemoryUnit]:
        self.units += 1
        yield MemoryUnit(ports=None, ledger=self.handled)  # type: ignore[arg-type]


def sealer() -> Sealer:
    ids = iter(f"evt-{n}" for n in range(1, 1000))
    return Sealer(Router(contract()), lambda: next(ids), VirtualClock(START), "123456789012", "us-east-1")


def sealed(name: str, service: str, **changes: Any) -> Envelope:
    (envelope,) = sealer()(service, [example(name, **changes)], None, None)
    return envelope


def target(
    handler: Any, name: str = "environments--AppCreated", rejections: tuple[type[Exception], ...] = ()
) -> Target:
    return Target(name, name.split("--")[0], handler, rejections)


def test_a_target_handles_a_parcel_once_and_another_target_still_gets_it() -> None:
    ledger, calls = Ledger(), []
    created = sealed("AppCreated", "apps")

    def handle(event: Event, ports: Any) -> list[Event]:
        calls.append(event)
        return [example("EnvironmentCreated")]

    first = deliver(created, target(handle), ledger.begin, sealer())
    assert [e.detail_type for e in first.published] == ["EnvironmentCreated"] and not first.duplicate
    again = deliver(created, target(handle), ledger.begin, sealer())
    assert again == Outcome(duplicate=True) and len(calls) == 1
    other = deliver(created, target(lambda e, p: [], "notifications--AppCreated"), ledger.begin, sealer())
    assert other.error is None and not other.duplicate
    assert ledger.handled == {
        ("environments--AppCreated", created.event_id),
        ("notifications--AppCreated", created.event_id),
    }


def test_what_a_handler_publishes_is_caused_by_the_parcel_in_its_correlation() -> None:
    created = sealed("AppCreated", "apps")
    outcome = deliver(created, target(lambda e, p: [example("EnvironmentCreated")]), Ledger().begin, sealer())
    (child,) = outcome.published
    assert (child.correlation_id, child.causation_id, child.source) == (
        created.correlation_id,
        created.event_id,
        "wingcloud.environments",
    )


def test_a_failure_is_retryable_and_leaves_no_mark_so_the_retry_runs() -> None:
    ledger, calls = Ledger(), []
    created = sealed("AppCreated", "apps")

    def flaky(event: Event, ports: Any) -> list[Event]:
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError("fly.io timed out")
        return []

    failed = deliver(created, target(flaky), ledger.begin, sealer())
    assert (failed.error_code, failed.retryable, str(failed.error)) == ("TimeoutError", True, "fly.io timed out")
    assert ledger.handled == set()
    assert deliver(created, target(flaky), ledger.begin, sealer()).error is None and len(calls) == 2


def test_a_rejection_is_permanent_a_contract_violation_too() -> None:
    created = sealed("AppCreated", "apps")

    def refuses(event: Event, ports: Any) -> list[Event]:
        raise ValueError("can never work")

    rejected = deliver(created, target(refuses, rejections=(ValueError,)), Ledger().begin, sealer())
    assert (rejected.error_code, rejected.retryable) == ("ValueError", False)
    unsendable = deliver(created, target(lambda e, p: [example("AppDeleted")]), Ledger().begin, sealer())
    assert (unsendable.error_code, unsendable.retryable) == ("ContractViolation", False)


def test_an_invalid_event_never_reaches_the_handler_nor_the_ledger() -> None:
    ledger, calls = Ledger(), []
    good = sealed("AppCreated", "apps").to_wire()
    bad = Envelope.from_wire({**good, "detail": {**good["detail"], "installation_id": 0}})
    outcome = deliver(bad, target(lambda e, p: calls.append(e) or []), ledger.begin, sealer())
    assert (outcome.error_code, outcome.retryable, outcome.rejected) == ("InvalidEvent", False, bad)
    assert calls == [] and ledger.units == 0


def test_an_arrival_is_keyed_by_its_door_and_its_events_have_no_cause_on_the_bus() -> None:
    ledger = Ledger()
    arrival = Arrival("webhook", "d-1", "push", b"{}", "d-1", START)
    report = Arrival("report", "d-1", "running", b"{}", "dep-1", START)
    assert key_of(arrival) != key_of(report)  # a report id cannot shadow a webhook's delivery id
    published = deliver(arrival, target(lambda a, p: [example("AppDeleted")], "apps--webhook"), ledger.begin, sealer())
    (event,) = published.published
    assert (event.correlation_id, event.causation_id) == ("d-1", None)


def test_a_replay_runs_again_once_per_replay() -> None:
    ledger, calls = Ledger(), []
    created = sealed("AppCreated", "apps")
    handler = target(lambda e, p: calls.append(e) or [])
    deliver(created, handler, ledger.begin, sealer())
    replay = created.replayed("after-fix")
    assert key_of(replay) == f"{created.event_id}@after-fix"
    deliver(replay, handler, ledger.begin, sealer())
    deliver(replay, handler, ledger.begin, sealer())
    assert len(calls) == 2


def test_a_command_publishes_in_its_unit_and_raises_what_the_work_raises() -> None:
    ledger = Ledger()
    result, published = command(
        "apps", lambda ports: ("made", [example("AppCreated")]), ledger.begin, sealer(), "req-1"
    )
    assert result == "made" and [e.correlation_id for e in published] == ["req-1"]
    with pytest.raises(KeyError):
        command("apps", lambda ports: (_ for _ in ()).throw(KeyError("app_9")), ledger.begin, sealer(), "req-2")


@pytest.mark.parametrize(("name", "service"), [("AppCreated", "apps"), ("EnvironmentStatusChanged", "environments")])
def test_a_sealed_envelope_goes_on_the_wire_as_a_reader_rebuilds_it(name: str, service: str) -> None:
    """The sealer keeps the wire form it stamped instead of dumping the envelope again: it must be the very form
    (fields, their order, `time` with its `Z`) that a reader's envelope, read back from the JSON, dumps."""
    envelope = sealed(name, service)
    again = Envelope.from_wire(envelope.to_json())
    assert list(envelope.to_wire().items()) == list(again.to_wire().items())
    assert envelope.to_json() == again.to_json()
    assert again.event() == envelope.event()
