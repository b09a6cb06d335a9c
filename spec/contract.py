"""A typed view of a validated spec: services, messages, operations and the EventBridge rules they imply.

Every backend derives its routing from here (the simulator's bus and the EventBridge template alike), so a
rule is computed once, from the spec, and never written twice.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spec.loader import load_document

SOURCE_PREFIX = "wingcloud."


def source_of(service: str) -> str:
    """The EventBridge `source` of events a service sends."""
    return f"{SOURCE_PREFIX}{service}"


@dataclass(frozen=True)
class Service:
    name: str
    description: str
    triggers: tuple[str, ...]
    ports: tuple[str, ...]
    owns: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    id: str
    service: str
    action: str  # "send" | "receive"
    message: str
    content_filter: dict[str, Any] | None = None
    trigger: str | None = None  # a send fired by an external trigger, not in reaction to a received event


@dataclass(frozen=True)
class Message:
    name: str
    schema_name: str
    summary: str
    description: str
    examples: tuple[dict[str, Any], ...]
    cycle_allowed: str | None = None
    terminal: bool = False
    external: bool = False
    senders: tuple[str, ...] = ()
    receivers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One EventBridge rule: a service receiving one message, with the pattern that selects it."""

    name: str
    service: str
    message: str
    operation_id: str
    pattern: dict[str, Any]

    @property
    def pattern_json(self) -> str:
        return json.dumps(self.pattern, sort_keys=True, separators=(",", ":"))


@dataclass
class Contract:
    document: dict[str, Any]
    services: dict[str, Service] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Contract:
        from spec import SPEC_PATH

        return cls.from_document(load_document(path or SPEC_PATH))

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Contract:
        contract = cls(document=document)
        for name, raw in (document.get("x-services") or {}).items():
            contract.services[name] = Service(
                name=name,
                description=str(raw.get("description", "")),
                triggers=tuple(raw.get("triggers", ())),
                ports=tuple(raw.get("ports", ())),
                owns=tuple(raw.get("owns", ())),
            )
        contract.triggers = dict(document.get("x-triggers") or {})
        for op_id, raw in (document.get("operations") or {}).items():
            for ref in raw.get("messages") or []:
                contract.operations[op_id] = Operation(
                    id=op_id,
                    service=str(raw.get("x-service", "")),
                    action=str(raw.get("action", "")),
                    message=message_name_of(document, ref.get("$ref", "")),
                    content_filter=raw.get("x-eventbridge-pattern"),
                    trigger=raw.get("x-trigger"),
                )
        for key, raw in ((document.get("components") or {}).get("messages") or {}).items():
            name = str(raw.get("name", key))
            senders = sorted(
                {o.service for o in contract.operations.values() if o.message == key and o.action == "send"}
            )
            receivers = sorted(
                {o.service for o in contract.operations.values() if o.message == key and o.action == "receive"}
            )
            contract.messages[name] = Message(
                name=name,
                schema_name=str(raw.get("payload", {}).get("$ref", "")).rsplit("/", 1)[-1],
                summary=str(raw.get("summary", "")),
                description=str(raw.get("description", "")),
                examples=tuple(dict(e) for e in raw.get("examples") or ()),
                cycle_allowed=raw.get("x-cycle-allowed"),
                terminal=bool(raw.get("x-terminal", False)),
                external=bool(raw.get("x-external", False)),
                senders=tuple(senders),
                receivers=tuple(receivers),
            )
        return contract

    def sends(self, service: str) -> tuple[str, ...]:
        return tuple(
            sorted({o.message for o in self.operations.values() if o.service == service and o.action == "send"})
        )

    def receives(self, service: str) -> tuple[str, ...]:
        return tuple(
            sorted({o.message for o in self.operations.values() if o.service == service and o.action == "receive"})
        )

    def rules(self) -> list[Rule]:
        """One rule per (service, received message): source + detail-type + the operation's content filter."""
        rules = []
        for op in sorted(self.operations.values(), key=lambda o: o.id):
            if op.action != "receive":
                continue
            message = self.messages[op.message]
            pattern: dict[str, Any] = {
                "source": [source_of(s) for s in message.senders],
                "detail-type": [message.name],
            }
            for key, value in (op.content_filter or {}).items():
                pattern[key] = copy.deepcopy(value)
            rules.append(Rule(f"{op.service}--{op.message}", op.service, op.message, op.id, pattern))
        return rules

    def schema_components(self) -> dict[str, Any]:
        return dict((self.document.get("components") or {}).get("schemas") or {})


def message_name_of(document: dict[str, Any], ref: str) -> str:
    """Resolve an operation's message reference (`#/channels/C/messages/M`) to the component message key."""
    target = resolve_pointer(document, ref)
    if isinstance(target, dict) and "$ref" in target:
        return str(target["$ref"]).rsplit("/", 1)[-1]
    return ref.rsplit("/", 1)[-1]


def resolve_pointer(document: Any, ref: str) -> Any:
    """Follow a local `#/a/b` reference; raise KeyError when it dangles."""
    if not ref.startswith("#"):
        raise KeyError(ref)
    node = document
    for raw in ref.lstrip("#").strip("/").split("/") if ref.strip("#/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(ref)
    return node
