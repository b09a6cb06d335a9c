"""Every service is registered as the spec says; the api, cleaner and secrets edges."""

from __future__ import annotations

import pytest

from events import RECEIVES, CleanupDue, EnvironmentRedeployRequested, EnvironmentStopRequested
from events.models import EnvironmentStatus as S
from services import ALL_SERVICES, api, cleaner
from sim.bus import Bus
from sim.fakes import EPOCH, Fakes
from spec.contract import Contract
from tests.builders import an_environment


def test_all_services_are_the_specs_services_with_exactly_their_received_messages() -> None:
    contract = Contract.load()
    assert sorted(s.name for s in ALL_SERVICES) == sorted(contract.services)
    for service in ALL_SERVICES:
        assert set(service.handlers) == set(RECEIVES[service.name]), service.name


def test_the_bus_accepts_every_service_and_routes_each_received_message_to_it() -> None:
    fakes = Fakes()
    contract = Contract.load()
    bus = Bus(contract, fakes.clock)
    for service in ALL_SERVICES:
        bus.register(service, fakes.ports())
    for service in ALL_SERVICES:
        routed = {rule.name for rule in bus.router.rules_of(service.name)}
        assert routed == {f"{service.name}--{m.__name__}" for m in RECEIVES[service.name]}, service.name
        assert bus.ports_of(service.name) is not None


def test_a_redeploy_request_for_a_running_environment() -> None:
    fakes = Fakes()
    fakes.environments.put(an_environment(status=S.running))
    assert api.request_redeploy("env_1", "codertocat", fakes.ports()) == [
        EnvironmentRedeployRequested(environment_id="env_1", requested_by="codertocat")
    ]


@pytest.mark.parametrize("status", [S.deploying, S.stopped, S.initializing])
def test_a_redeploy_request_is_refused_at_once_unless_running_or_error(status: S) -> None:
    fakes = Fakes()
    fakes.environments.put(an_environment(status=status))
    with pytest.raises(
        api.RedeployRefusedError, match=f"env_1 is {status}; a redeploy is allowed only from error or running"
    ):
        api.request_redeploy("env_1", "codertocat", fakes.ports())


def test_a_redeploy_request_for_an_unknown_environment() -> None:
    with pytest.raises(api.UnknownEnvironmentError, match="env_404"):
        api.request_redeploy("env_404", "codertocat", Fakes().ports())


@pytest.mark.parametrize("status", [S.initializing, S.deploying, S.running, S.error])
def test_a_stop_request_for_a_live_environment(status: S) -> None:
    fakes = Fakes()
    fakes.environments.put(an_environment(status=status))
    assert api.request_stop("env_1", "codertocat", fakes.ports()) == [
        EnvironmentStopRequested(environment_id="env_1", requested_by="codertocat")
    ]


def test_a_stop_request_is_refused_at_once_for_a_stopped_environment() -> None:
    fakes = Fakes()
    fakes.environments.put(an_environment(status=S.stopped))
    with pytest.raises(api.StopRefusedError, match="env_1 is stopped; only a live environment can be stopped"):
        api.request_stop("env_1", "codertocat", fakes.ports())
    with pytest.raises(api.UnknownEnvironmentError, match="env_404"):
        api.request_stop("env_404", "codertocat", fakes.ports())


def test_the_cleaner_tick_asks_for_previews_stale_for_a_week() -> None:
    fakes = Fakes()
    assert cleaner.emit_cleanup_due(fakes.ports()) == [CleanupDue(scheduled_at=EPOCH, stale_after_seconds=604800)]
    assert cleaner.SCHEDULE == "rate(1 hour)"
