"""The AWS topology implied by the spec: which services get a queue and a function, and what each may touch.

Pure data, shared by the template generator, the deploy step, the Lambda composition root and the tests, so
that a resource name or an access grant is decided once. Rules come from `Contract.rules()` unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spec.contract import Contract, Rule


@dataclass(frozen=True)
class Store:
    """One piece of AWS state behind a port: a DynamoDB table, the logs bucket or the KMS key."""

    name: str
    kind: str  # "table" | "bucket" | "key"
    logical_id: str
    env_var: str
    ttl_attribute: str | None = None
    namespaced: bool = False  # keys start with "<service>#"; IAM restricts each function to its own


STORES: dict[str, Store] = {
    store.name: store
    for store in (
        Store("apps", "table", "AppsTable", "WINGCLOUD_APPS_TABLE"),
        Store("environments", "table", "EnvironmentsTable", "WINGCLOUD_ENVIRONMENTS_TABLE"),
        Store("ledger", "table", "LedgerTable", "WINGCLOUD_LEDGER_TABLE", "expires_at", namespaced=True),
        Store("kv", "table", "KeyValueTable", "WINGCLOUD_KV_TABLE", namespaced=True),
        Store("secrets", "table", "SecretsTable", "WINGCLOUD_SECRETS_TABLE"),
        Store("feed", "table", "FeedTable", "WINGCLOUD_FEED_TABLE", "expires_at"),
        Store("usage", "table", "UsageTable", "WINGCLOUD_USAGE_TABLE"),
        Store("logs", "bucket", "LogsBucket", "WINGCLOUD_LOGS_BUCKET"),
        Store("keys", "key", "SecretsKey", "WINGCLOUD_KMS_KEY_ID"),
    )
}

# Spec port name (x-services.<name>.ports) -> the stores it needs. A table named after an owned thing
# (x-services.<name>.owns) is writable by its owner and read-only for everyone else.
PORT_STORES: dict[str, tuple[str, ...]] = {
    "Apps": ("apps",),
    "Environments": ("environments",),
    "Comments": ("kv",),
    "Machines": ("kv",),
    "LogIndex": ("kv",),
    "RetiredNames": ("kv",),
    "SecretStore": ("secrets", "keys"),
    "SecretReader": ("secrets", "keys"),
    "KeyService": ("keys",),
    "BlobStore": ("logs",),
    "Feed": ("feed",),
    "Usage": ("usage",),
}
OUTSIDE_PORTS = frozenset({"GitHub", "GitLab", "FlyIO", "DNS", "Clock", "Ids"})
OWNED_STORES = frozenset({"apps", "environments", "usage"})  # the others are written by whoever is granted them
READ_ONLY_PORTS = frozenset({"SecretReader"})
ALWAYS_GRANTED = ("ledger", "kv")  # the kernel records what each handler did; small records, per namespace

ENV_SERVICE = "WINGCLOUD_SERVICE"
ENV_BUS = "WINGCLOUD_EVENT_BUS_NAME"
ENV_READ_ONLY = "WINGCLOUD_READ_ONLY_STORES"
ENV_OUTSIDE_CREDENTIALS = "WINGCLOUD_OUTSIDE_CREDENTIALS_SECRET"
HANDLER = "adapters.eventbridge.function.entry.handler"
MAX_RECEIVE_COUNT = 5
# Concurrent invocations per queue. A service calling GitHub (5,000 requests/h per installation, secondary
# limits on concurrent requests), fly.io's Machines API or dnsimple (2,400 requests/h) gets the least Lambda
# allows, so a burst of events queues up instead of storming them; the rest may fan out a little more.
OUTSIDE_CONCURRENCY = 2
QUEUE_CONCURRENCY = 5
SCHEDULE_EXPRESSION = re.compile(r"\b(?:rate|cron)\([^)]*\)")  # how x-triggers spells a timer
OUTSIDE_CREDENTIALS_PORTS = frozenset({"GitHub", "GitLab", "FlyIO", "DNS"})  # their credentials: one secret


class UnmappedPortError(ValueError):
    """A spec port has no AWS resource behind it."""

    def __init__(self, service: str, port: str) -> None:
        super().__init__(
            f"service {service!r} uses port {port!r}, which has no AWS mapping in "
            "adapters/eventbridge/topology.py (PORT_STORES or OUTSIDE_PORTS)"
        )


@dataclass(frozen=True)
class Grant:
    store: Store
    write: bool


@dataclass(frozen=True)
class Function:
    """One service as deployed: its Lambda, its queue + DLQ (when it receives events), its grants."""

    service: str
    rules: tuple[Rule, ...]
    grants: tuple[Grant, ...]
    schedule: str | None = None
    outside: tuple[str, ...] = ()  # outside-world ports (GitHub, FlyIO, DNS) it needs credentials for

    @property
    def reports_url(self) -> bool:
        """It starts machines, which report to the ingress with a token it signs (the FlyIO port's users)."""
        return "FlyIO" in self.outside

    @property
    def max_concurrency(self) -> int:
        """The event source mapping's MaximumConcurrency (2 is Lambda's least)."""
        return OUTSIDE_CONCURRENCY if self.outside else QUEUE_CONCURRENCY

    @property
    def logical(self) -> str:
        return pascal(self.service)

    @property
    def has_queue(self) -> bool:
        return bool(self.rules)

    def grant(self, store: str) -> Grant | None:
        return next((g for g in self.grants if g.store.name == store), None)


def pascal(name: str) -> str:
    """`notifications` -> `Notifications`: the prefix of a service's logical ids in the template."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def schedule_of(contract: Contract, service: str) -> str | None:
    """The EventBridge schedule expression of a service triggered by a timer (from x-triggers), if any."""
    for trigger in contract.services[service].triggers:
        found = SCHEDULE_EXPRESSION.search(str(contract.triggers.get(trigger, "")))
        if found:
            return found.group(0)
    return None


def grants_of(contract: Contract, service: str) -> tuple[Grant, ...]:
    """What the service's spec ports entitle it to, least privilege first."""
    definition = contract.services[service]
    access: dict[str, bool] = dict.fromkeys(ALWAYS_GRANTED, True)
    for port in definition.ports:
        if port in OUTSIDE_PORTS:
            continue
        if port not in PORT_STORES:
            raise UnmappedPortError(service, port)
        for store in PORT_STORES[port]:
            write = port not in READ_ONLY_PORTS and (store not in OWNED_STORES or store in definition.owns)
            access[store] = access.get(store, False) or write
    return tuple(Grant(STORES[name], access[name]) for name in sorted(access))


def functions(contract: Contract) -> list[Function]:
    """Every service that receives events or runs on a schedule, in name order."""
    rules = contract.rules()
    result = []
    for service in sorted(contract.services):
        own_rules = tuple(r for r in rules if r.service == service)
        schedule = schedule_of(contract, service)
        if own_rules or schedule:
            outside = tuple(p for p in contract.services[service].ports if p in OUTSIDE_CREDENTIALS_PORTS)
            result.append(Function(service, own_rules, grants_of(contract, service), schedule, outside))
    return result
