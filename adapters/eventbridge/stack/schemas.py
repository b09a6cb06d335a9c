"""JSON Schema Draft 4 documents for the EventBridge schema registry, one per event, built from the spec.

Each document describes the whole EventBridge event, as the registry's discovered schemas do: the envelope
fields, `detail` pointing at the message's payload schema, and every payload schema it reaches under
`definitions`. The spec is written in Draft 7; the few Draft 6+ keywords are rewritten to their Draft 4
equivalents, and one with no faithful equivalent is an error rather than a silent loss.
"""

from __future__ import annotations

from typing import Any

from spec.contract import Contract, source_of

DRAFT4 = "http://json-schema.org/draft-04/schema#"
SPEC_REF_PREFIX = "#/components/schemas/"
DRAFT4_REF_PREFIX = "#/definitions/"

_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_SCHEMA_VALUES = frozenset({"not", "additionalProperties", "additionalItems", "items"})
_DROPPED = frozenset({"examples", "$comment", "readOnly", "writeOnly", "deprecated", "$id", "$schema"})
_NO_DRAFT4_EQUIVALENT = frozenset(
    {
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
    }
)


class Draft4ConversionError(ValueError):
    """A spec schema uses a keyword Draft 4 cannot express."""

    def __init__(self, where: str, keyword: str) -> None:
        super().__init__(f"{where}: keyword {keyword!r} has no JSON Schema Draft 4 equivalent")


def to_draft4(node: Any, where: str = "#") -> Any:
    """Rewrite one Draft 7 schema node as Draft 4 (refs to `#/definitions/`, const/exclusive* rewritten)."""
    if isinstance(node, bool):  # boolean schemas arrived in Draft 6
        return {} if node else {"not": {}}
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = f"{where}/{key}"
        if key in _NO_DRAFT4_EQUIVALENT:
            raise Draft4ConversionError(where, key)
        if key in _DROPPED:
            continue
        if key == "$ref":
            out[key] = _ref(str(value), where)
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key in _SCHEMA_MAPS:
            target = "definitions" if key == "$defs" else key
            out[target] = {name: to_draft4(sub, f"{here}/{name}") for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            out[key] = [to_draft4(sub, f"{here}/{i}") for i, sub in enumerate(value)]
        elif key in _SCHEMA_VALUES:
            out[key] = _schema_value(key, value, here)
        else:
            out[key] = value
    return out


def _schema_value(key: str, value: Any, where: str) -> Any:
    if key == "items" and isinstance(value, list):
        return [to_draft4(sub, f"{where}/{i}") for i, sub in enumerate(value)]
    if key in ("additionalProperties", "additionalItems") and isinstance(value, bool):
        return value  # a boolean is a valid Draft 4 value here
    return to_draft4(value, where)


def _ref(ref: str, where: str) -> str:
    if not ref.startswith(SPEC_REF_PREFIX):
        raise Draft4ConversionError(where, f"$ref {ref}")
    return DRAFT4_REF_PREFIX + ref[len(SPEC_REF_PREFIX) :]


def reachable(components: dict[str, Any], root: str) -> list[str]:
    """Names of the component schemas `root` reaches through `$ref`, itself included, sorted."""
    seen: set[str] = set()
    pending = [root]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        if name not in components:
            raise KeyError(f"schema {name!r} is referenced but not defined under components.schemas")
        seen.add(name)
        pending.extend(_refs_in(components[name]))
    return sorted(seen)


def _refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(v)[len(SPEC_REF_PREFIX) :] for k, v in node.items() if k == "$ref"]
        return found + [r for v in node.values() for r in _refs_in(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs_in(v)]
    return []


def schema_name(contract: Contract, message: str) -> str:
    """The registry's name for an event, in the `source@DetailType` style of discovered schemas."""
    senders = contract.messages[message].senders
    return f"{source_of(senders[0]) if len(senders) == 1 else 'wingcloud'}@{message}"


def event_schema(contract: Contract, message: str) -> dict[str, Any]:
    """The Draft 4 schema of the whole EventBridge event carrying `message`."""
    spec_message = contract.messages[message]
    components = contract.schema_components()
    sources = [source_of(s) for s in spec_message.senders]
    string = {"type": "string"}
    return {
        "$schema": DRAFT4,
        "title": message,
        "description": spec_message.summary or spec_message.description,
        "type": "object",
        "x-amazon-events-source": sources[0] if len(sources) == 1 else sources,
        "x-amazon-events-detail-type": message,
        "required": ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"],
        "properties": {
            "version": string,
            "id": string,
            "detail-type": {"type": "string", "enum": [message]},
            "source": {"type": "string", "enum": sources},
            "account": string,
            "time": {"type": "string", "format": "date-time"},
            "region": string,
            "resources": {"type": "array", "items": string},
            "replay-name": string,
            "detail": {"$ref": DRAFT4_REF_PREFIX + spec_message.schema_name},
        },
        "definitions": {
            name: to_draft4(components[name], f"#/components/schemas/{name}")
            for name in reachable(components, spec_message.schema_name)
        },
    }
