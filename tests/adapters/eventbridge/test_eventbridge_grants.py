"""Least privilege holds only if each service's code stays within the ports its spec entry declares: the
template grants a function exactly those (tables, bucket, key, outside credentials), and on AWS anything else
is AccessDenied. A fast static look at `ports.<name>` in each service package catches the gap before a
deployment does (calls made inside another service's helpers are not followed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.eventbridge.stack.topology import OUTSIDE_CREDENTIALS_PORTS, grants_of
from spec.contract import Contract

REPO = Path(__file__).resolve().parents[3]
# Ports fields -> the store their AWS implementation needs, or the outside-world port name.
STORE_OF_FIELD = {
    "apps": "apps",
    "environments": "environments",
    "kv": "kv",
    "secrets": "secrets",
    "keys": "keys",
    "blobs": "logs",
    "feed": "feed",
}
OUTSIDE_OF_FIELD = {"github": "GitHub", "flyio": "FlyIO", "dns": "DNS"}


def used_fields(service: str) -> set[str]:
    text = "\n".join(p.read_text() for p in (REPO / "services" / service).rglob("*.py"))
    return set(re.findall(r"\bports\.([a-z_]+)\b", text))


def ungranted(contract: Contract, service: str) -> list[str]:
    stores = {grant.store.name for grant in grants_of(contract, service)}
    declared = set(contract.services[service].ports) & OUTSIDE_CREDENTIALS_PORTS
    missing = []
    for field in sorted(used_fields(service)):
        if field in STORE_OF_FIELD and STORE_OF_FIELD[field] not in stores:
            missing.append(f"ports.{field} (store {STORE_OF_FIELD[field]})")
        if field in OUTSIDE_OF_FIELD and OUTSIDE_OF_FIELD[field] not in declared:
            missing.append(f"ports.{field} (port {OUTSIDE_OF_FIELD[field]})")
    return missing


@pytest.mark.parametrize("service", sorted(Contract.load().services))
def test_services_use_only_the_ports_their_spec_entry_grants(service: str) -> None:
    assert ungranted(Contract.load(), service) == []


def test_the_check_sees_a_missing_grant() -> None:
    document = Contract.load().document
    trimmed = {
        **document,
        "x-services": {**document["x-services"], "logs": {**document["x-services"]["logs"], "ports": []}},
    }
    assert ungranted(Contract.from_document(trimmed), "logs") == ["ports.blobs (store logs)"]
