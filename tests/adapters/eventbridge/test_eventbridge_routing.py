"""Routing parity: for every rule of the spec and a corpus of events, what moto routes (a real PutEvents to
the deployed bus, read back from the SQS queues) equals what the simulator's matcher says, event by event."""

from __future__ import annotations

import copy
import json
from typing import Any

from adapters.eventbridge.function.publisher import Entry, Publisher
from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.offline.stack import OfflineStack
from bus.patterns import RuleSet
from events.models import EnvironmentStatus, EnvironmentType
from spec.contract import Contract, source_of

# Values tried for each field a rule filters on, beyond the example's own: every enum member, a missing
# field, null, other JSON types, arrays (EventBridge matches an array when any element matches), case.
FILTERED_VALUES: dict[str, list[Any]] = {
    "type": [*(t.value for t in EnvironmentType), None, "Preview", ["preview", "x"], ["production"], [], 1, True],
    "status": [*(s.value for s in EnvironmentStatus), None, "RUNNING", ["running"], ["error", "running"], {}],
    # no empty array: the github rules match provider ["github", {"exists": false}], and whether exists:false
    # matches [] is documented nowhere (moto says no, our engine yes); the schema makes provider a string, so
    # the publisher refuses [] before any rule sees it (tests/unit/test_provider_neutral.py)
    "provider": ["github", "gitlab", None, "GitHub", ["github"], ["gitlab", "github"], ["gitlab"], 1],
}
MISSING = object()

# Where moto is known to route differently from EventBridge (each with the AWS fact); none so far.
MOTO_IS_WRONG: dict[str, str] = {}


def corpus(contract: Contract) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(name, source, detail-type, detail) for every message: the spec's example and variants."""
    cases = []
    filtered = {key for rule in contract.rules() for key in rule.pattern.get("detail", {})}
    for name, message in sorted(contract.messages.items()):
        example = copy.deepcopy(message.examples[0]["payload"])
        source = source_of(message.senders[0])
        cases.append((f"{name}: example", source, name, example))
        cases.append((f"{name}: unknown source", "wingcloud.nobody", name, example))
        other = "wingcloud.apps" if source != "wingcloud.apps" else "wingcloud.github"
        cases.append((f"{name}: another service as source", other, name, example))
        cases.append((f"{name}: detail-type in lower case", source, name.lower(), example))
        for key in sorted(filtered & set(example)):
            for value in [MISSING, *FILTERED_VALUES[key]]:
                variant = copy.deepcopy(example)
                if value is MISSING:
                    del variant[key]
                else:
                    variant[key] = value
                label = "missing" if value is MISSING else json.dumps(value)
                cases.append((f"{name}: {key} {label}", source, name, variant))
    return cases


def simulator_routes(contract: Contract, source: str, detail_type: str, detail: dict[str, Any]) -> set[str]:
    rules = RuleSet()
    for rule in contract.rules():
        rules.add(rule.name, rule.pattern)
    envelope = {
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-28T06:46:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }
    by_name = {rule.name: rule.service for rule in contract.rules()}
    return {by_name[name] for name in rules.matching(envelope)}


def moto_routes(
    quiet: OfflineStack, aws: AwsClients, cases: list[tuple[str, str, str, dict[str, Any]]]
) -> list[set[str]]:
    entries = []
    for index, (_, source, detail_type, detail) in enumerate(cases):
        marked = {**detail, "parity_case": index}  # the marker tells the cases apart in the queues
        entries.append(Entry(source, detail_type, json.dumps(marked)))
    Publisher(aws("events"), quiet.deployment.bus_name).publish(entries)
    routes: list[set[str]] = [set() for _ in cases]
    sqs = aws("sqs")
    for service, url in quiet.deployment.queues.items():
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                routes[json.loads(message["Body"])["detail"]["parity_case"]].add(service)
            done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            sqs.delete_message_batch(QueueUrl=url, Entries=done)
    return routes


def test_moto_routes_every_case_as_the_simulator_does(quiet: OfflineStack, aws: AwsClients, contract: Contract) -> None:
    cases = corpus(contract)
    moto = moto_routes(quiet, aws, cases)
    differences = {}
    for (name, source, detail_type, detail), routed in zip(cases, moto, strict=True):
        expected = simulator_routes(contract, source, detail_type, detail)
        if routed != expected and name not in MOTO_IS_WRONG:
            differences[name] = {"moto": sorted(routed), "simulator": sorted(expected)}
    assert differences == {}


def test_the_corpus_exercises_matches_and_misses_of_every_rule(contract: Contract) -> None:
    """A parity test over events that match nothing (or everything) would prove little."""
    matched: set[str] = set()
    missed: set[str] = set()
    for _, source, detail_type, detail in corpus(contract):
        routes = simulator_routes(contract, source, detail_type, detail)
        for rule in contract.rules():
            if rule.message == detail_type:
                (matched if rule.service in routes else missed).add(rule.name)
    assert matched == {rule.name for rule in contract.rules()}
    filtered = {rule.name for rule in contract.rules() if "detail" in rule.pattern}
    assert filtered and filtered <= missed
