"""The Lambda entry point of every wing.cloud function: `adapters.eventbridge.function.entry.handler`.

Which service a function runs comes from `WINGCLOUD_SERVICE`; its ports, publisher and router are built on
the first invocation and kept for the container's life. Importing this module connects to nothing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from adapters.eventbridge.function.consumer import Consumer, Tick
from adapters.eventbridge.function.publisher import Publisher
from adapters.eventbridge.function.state import DynamoLedger
from adapters.eventbridge.function.transaction import TransactionalDynamo
from adapters.eventbridge.function.wiring import AwsClients, LambdaSettings, Outside, build_ports
from adapters.wallclock import RandomIds
from bus.routing import Sealer

if TYPE_CHECKING:
    from bus.routing import Router


ACCOUNT = "000000000000"


class UnknownServiceError(LookupError):
    """WINGCLOUD_SERVICE names no service of `services.ALL_SERVICES`."""


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Lambda calls this with an SQS batch (from the event source mapping) or an EventBridge event."""
    handling = consumer()
    try:
        return handling.handle(event)
    finally:
        if handling.telemetry is not None:
            handling.telemetry.flush()


@functools.cache
def consumer() -> Consumer:
    """This container's consumer, built once from the environment."""
    return build_consumer(LambdaSettings())  # fields come from the environment


def build_consumer(
    settings: LambdaSettings, clients: AwsClients | None = None, outside: Outside | None = None
) -> Consumer:
    """Wire one service: its handlers from `services.ALL_SERVICES`, ports from the settings, the publisher."""
    from services import ALL_SERVICES

    definitions = {definition.name: definition for definition in ALL_SERVICES}
    if settings.service not in definitions:
        raise UnknownServiceError(
            f"WINGCLOUD_SERVICE={settings.service!r} is not a service (known: {', '.join(sorted(definitions))})"
        )
    clients = clients or AwsClients(endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    ledger = None
    if settings.ledger_table:
        ledger = DynamoLedger(clients("dynamodb"), settings.ledger_table, settings.service)
    tx = TransactionalDynamo(clients("dynamodb"))  # the stores' writes commit with the delivery's outbox item
    ports = build_ports(settings, clients, outside, tx)
    region = os.environ.get("AWS_REGION", "us-east-1")
    # EventBridge stamps its own account and event id on what it carries; these are ours, in the detail.
    seal = Sealer(router(), new_id=RandomIds().event_id, clock=ports.clock, account=ACCOUNT, region=region)
    return Consumer(
        definition=definitions[settings.service],
        ports=ports,
        publisher=Publisher(clients("events"), settings.event_bus_name),
        router=router(),
        seal=seal,
        ledger=ledger,
        tick=_tick_of(settings.service),
        tx=tx,
    )


@functools.cache
def router() -> Router:
    """The spec's routing and contract checks, loaded once per container (parsing the spec is not free)."""
    from bus.routing import Router
    from spec.contract import Contract

    return Router(Contract.load())


def _tick_of(service: str) -> Tick | None:
    """What a scheduled invocation of `service` runs, if it runs on a timer."""
    if service == "cleaner":
        from services.cleaner import emit_cleanup_due

        return emit_cleanup_due
    return None
