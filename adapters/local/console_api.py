"""The console's reads under /api/console: the map, a service's inspector, the filtered timeline, a trace's
waterfall, an arrival's body, and the outside world's calls. Its actions are in `console_actions`, its live
streams in `console_stream`."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from adapters.http.api_models import DeadLetterView, ErrorView
from adapters.http.errors import ApiError
from adapters.local import console_views as views
from adapters.local.console_map import NODE_HEIGHT, NODE_WIDTH, layout
from adapters.local.console_models import (
    AppRef,
    ArrivalView,
    ConsoleEvent,
    EnvironmentRef,
    Flow,
    Health,
    MapLink,
    MapNode,
    MapView,
    OutsideCall,
    OutsideView,
    ServiceDetail,
    Step,
    Waterfall,
)
from adapters.local.system import System
from bus.routing import Router
from ports import App, Environment

CONSOLE = APIRouter(prefix="/console", tags=["console"])
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorView, "description": "No such thing"}}
_INVALID: dict[int | str, dict[str, Any]] = {422: {"model": ErrorView, "description": "Invalid filters, each named"}}


def _system(request: Request) -> System:
    system: System = request.app.state.system
    return system


SystemDep = Annotated[System, Depends(_system)]


@functools.cache
def _map_shape(router: Router) -> tuple[list[MapNode], list[MapLink], int, int]:
    """Laid out once per router (one per process: the spec does not change while we run)."""
    contract = router.contract
    drawn = layout(contract)
    nodes = [
        MapNode(
            name=n.name,
            description=contract.services[n.name].description,
            triggers=list(contract.services[n.name].triggers),
            receives=list(contract.receives(n.name)),
            sends=list(contract.sends(n.name)),
            column=n.column,
            x=n.x,
            y=n.y,
        )
        for n in drawn.nodes
    ]
    links = [
        MapLink(
            id=link.id,
            sender=link.sender,
            receiver=link.receiver,
            messages=list(link.messages),
            back=link.back,
            points=[list(p) for p in link.points],
        )
        for link in drawn.links
    ]
    return nodes, links, drawn.width, drawn.height


@CONSOLE.get("/map", response_model=MapView)
def map_route(system: SystemDep) -> MapView:
    """The services and the events between them, as the spec says, with what has passed so far."""
    contract = system.router.contract
    nodes, links, width, height = _map_shape(system.router)
    conn = system.db.connection()
    return MapView(
        nodes=nodes,
        links=links,
        triggers=dict(contract.triggers),
        width=width,
        height=height,
        node_width=NODE_WIDTH,
        node_height=NODE_HEIGHT,
        counts=views.published_counts(conn),
        door_counts=views.door_counts(conn, [(e.trigger, s.name) for s in system.services for e in s.edges.values()]),
        health={name: Health(**counts) for name, counts in views.health(conn).items()},
        outside=system.outside.described,
    )


@CONSOLE.get("/services/{name}", response_model=ServiceDetail, responses=_NOT_FOUND)
def service_route(name: str, system: SystemDep) -> ServiceDetail:
    """One service: what it receives and sends (the spec), and what it did lately (the trace, the dead
    letters, its calls to the outside world)."""
    contract = system.router.contract
    service = contract.services.get(name)
    if service is None:
        raise ApiError(404, f"no service {name!r}; the spec has {', '.join(contract.services)}")
    conn = system.db.connection()
    counts = views.published_counts(conn)

    def flow(message: str, services: tuple[str, ...], sender: str | None) -> Flow:
        senders = [sender] if sender else list(contract.messages[message].senders)
        count = sum(counts.get(f"{s}|{message}", 0) for s in senders)
        return Flow(message=message, summary=contract.messages[message].summary, services=list(services), count=count)

    return ServiceDetail(
        name=name,
        description=service.description,
        triggers=list(service.triggers),
        ports=list(service.ports),
        owns=list(service.owns),
        receives=[flow(m, contract.messages[m].senders, None) for m in contract.receives(name)],
        sends=[flow(m, contract.messages[m].receivers, name) for m in contract.sends(name)],
        health=Health(**views.health(conn).get(name, {})),
        deliveries=[Step(**step) for step in views.deliveries_of(conn, name)],
        dead_letters=[DeadLetterView(**letter) for letter in views.dead_letters_of(conn, name)],
        calls=[OutsideCall(**call) for call in system.calls.recent(service=name, limit=50)],
    )


class Directory:
    """Apps and environments by id, to say what an event concerns."""

    def __init__(self, system: System) -> None:
        self.apps: dict[str, App] = {a.id: a for a in system.ports.apps.list_all()}
        self.environments: dict[str, Environment] = {e.id: e for e in system.ports.environments.list_all()}

    def describe(self, entry: dict[str, Any]) -> ConsoleEvent:
        detail: dict[str, Any] = entry["detail"]
        env = self.environments.get(str(detail.get("environment_id")))
        pr_number = detail.get("pr_number") if isinstance(detail.get("pr_number"), int) else None
        repository = detail.get("repository") if isinstance(detail.get("repository"), str) else None
        if env is None and pr_number is not None and repository is not None:
            previews = [
                e
                for e in self.environments.values()
                if e.pr_number == pr_number and e.repository.lower() == repository.lower()
            ]
            env = previews[0] if len(previews) == 1 else None  # several apps or a reopened one: not one answer
        app = self.apps.get(str(detail.get("app_id") or (env.app_id if env else "")))
        return ConsoleEvent(
            **{k: entry[k] for k in ("seq", "id", "detail_type", "source", "correlation_id", "causation_id", "time")},
            service=entry["source"].removeprefix("wingcloud."),
            detail=detail,
            app=AppRef(id=app.id, name=app.name) if app else None,
            environment=EnvironmentRef(id=env.id, type=env.type.value, branch=env.branch, status=env.status.value)
            if env
            else None,
            pr_number=pr_number if pr_number is not None else (env.pr_number if env else None),
            repository=repository or (env.repository if env else app.repository if app else None),
        )


@CONSOLE.get("/events", response_model=list[ConsoleEvent], responses=_INVALID)
def events_route(
    system: SystemDep,
    service: str | None = None,
    detail_type: Annotated[str | None, Query(alias="type")] = None,
    environment: str | None = None,
    pr: Annotated[int | None, Query(ge=1)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[ConsoleEvent]:
    """The timeline, newest first, filtered; each event says which app, environment and pull request it
    concerns. `environment` also matches the events of the same webhook or request (what led to it)."""
    contract = system.router.contract
    if service is not None and service not in contract.services:
        raise ApiError(422, f"service: no service {service!r}; the spec has {', '.join(contract.services)}", "invalid")
    if detail_type is not None and detail_type not in contract.messages:
        raise ApiError(422, f"type: no message {detail_type!r} in the spec", "invalid")
    filters = views.Filters(service, detail_type, environment, pr, q)
    entries = views.filtered_events(system.db.connection(), contract, filters, before=before, limit=limit)
    directory = Directory(system)
    return [directory.describe(entry) for entry in entries]


@CONSOLE.get("/traces/{correlation_id}", response_model=Waterfall, responses=_NOT_FOUND)
def waterfall_route(correlation_id: str, system: SystemDep) -> Waterfall:
    """A webhook's or request's deliveries on a time axis, each nested under the one that caused it."""
    found = views.waterfall(system.db.connection(), correlation_id)
    if found is None:
        raise ApiError(404, f"nothing was traced for correlation id {correlation_id!r}")
    return Waterfall.model_validate(found)


@CONSOLE.get("/arrivals/{key}", response_model=ArrivalView, responses=_NOT_FOUND)
def arrival_route(key: str, system: SystemDep) -> ArrivalView:
    """What came in through a door (`webhook:<delivery id>`, `report:<id>`, `logs:<id>`), as it came."""
    try:
        arrival = system.inbox.arrival(key)
    except LookupError as error:  # unknown, or its body was pruned once its deliveries were done
        raise ApiError(404, str(error)) from None
    try:
        body: Any = json.loads(arrival.body)
    except ValueError:
        body = arrival.body.decode("utf-8", "replace")
    return ArrivalView(
        key=key,
        door=arrival.door,
        id=arrival.id,
        name=arrival.name,
        correlation_id=arrival.correlation_id,
        received_at=arrival.received_at.isoformat(),
        body=body,
    )


@CONSOLE.get("/outside", response_model=OutsideView, responses=_INVALID)
def outside_route(
    system: SystemDep,
    port: Annotated[str | None, Query(pattern="^(github|flyio|dns)$")] = None,
    service: str | None = None,
    failed: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> OutsideView:
    """Every call made to GitHub, fly.io and DNS (real or embedded), newest first, with its answer."""
    calls = system.calls.recent(limit=limit, port=port, service=service, failed=failed)
    return OutsideView(backends=system.calls.backends, calls=[OutsideCall(**call) for call in calls])
