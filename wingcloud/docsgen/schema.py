"""The field table of an event: its JSON Schema flattened, with `$ref`'d types resolved to what they mean."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wingcloud.docsgen._md import code

_REF_PREFIX = "#/components/schemas/"


class SchemaRefError(KeyError):
    """A `$ref` in a payload schema points at no component schema."""

    def __init__(self, ref: str, where: str) -> None:
        super().__init__(f"{where}: $ref {ref!r} names no schema under {_REF_PREFIX}")


@dataclass(frozen=True)
class Field:
    path: str
    type: str
    required: bool
    constraints: str
    description: str


def field_rows(schema_name: str, components: Mapping[str, Any]) -> list[Field]:
    """Every field of the payload, nested objects and array items flattened to dotted paths (`a.b`, `c[].d`)."""
    root = _resolve(components.get(schema_name, {}), components, schema_name)[0]
    rows: list[Field] = []
    _walk(root, "", components, rows)
    return rows


def _resolve(node: Any, components: Mapping[str, Any], where: str) -> tuple[dict[str, Any], str | None]:
    """Follow a `$ref` (sibling keys win over the target's); return the merged schema and the type's name."""
    if not isinstance(node, dict):
        return {}, None
    ref = node.get("$ref")
    if ref is None:
        return node, None
    name = str(ref).removeprefix(_REF_PREFIX)
    if not str(ref).startswith(_REF_PREFIX) or name not in components:
        raise SchemaRefError(str(ref), where)
    target, _ = _resolve(components[name], components, where)
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}, name


def _walk(schema: dict[str, Any], prefix: str, components: Mapping[str, Any], rows: list[Field]) -> None:
    required = set(schema.get("required") or ())
    for key, raw in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        node, named = _resolve(raw, components, path)
        rows.append(
            Field(
                path=path,
                type=_type_of(node, named, components, path),
                required=key in required,
                constraints=_constraints(node, components, path),
                description=str(node.get("description", "")),
            )
        )
        if "properties" in node:
            _walk(node, f"{path}.", components, rows)
        elif _types(node) == ["array"]:
            items, _ = _resolve(node.get("items"), components, f"{path}[]")
            if "properties" in items:
                _walk(items, f"{path}[].", components, rows)


def _types(node: dict[str, Any]) -> list[str]:
    raw = node.get("type")
    if raw is None:
        return []
    return [str(t) for t in raw] if isinstance(raw, list) else [str(raw)]


def _type_of(node: dict[str, Any], named: str | None, components: Mapping[str, Any], where: str) -> str:
    alternatives = node.get("oneOf") or node.get("anyOf")
    if alternatives:
        return " or ".join(_type_of(*_resolve(alt, components, where), components, where) for alt in alternatives)
    parts = []
    for kind in _types(node) or ["any"]:
        if kind == "array":
            items, item_name = _resolve(node.get("items"), components, f"{where}[]")
            kind = f"array of {_type_of(items, item_name, components, f'{where}[]')}"
        parts.append(kind)
    text = " or ".join(parts)
    return f"{text} ({code(named)})" if named else text


def _constraints(node: dict[str, Any], components: Mapping[str, Any], where: str) -> str:
    notes = []
    for alt in node.get("oneOf") or node.get("anyOf") or ():
        resolved, _ = _resolve(alt, components, where)
        notes.append(_constraints(resolved, components, where))
    if "format" in node:
        notes.append(f"format {code(node['format'])}")
    if "enum" in node:
        notes.append("one of " + ", ".join(code(v) for v in node["enum"]))
    if "const" in node:
        notes.append(f"always {code(node['const'])}")
    if "pattern" in node:
        notes.append(f"pattern {code(node['pattern'])}")
    notes.append(_range("length", node.get("minLength"), node.get("maxLength")))
    notes.append(_range("value", node.get("minimum"), node.get("maximum")))
    notes.append(_range("items", node.get("minItems"), node.get("maxItems")))
    return "; ".join(n for n in notes if n)


def _range(what: str, low: object, high: object) -> str:
    if low is not None and high is not None:
        return f"{what} {low}–{high}"
    if low is not None:
        return f"{what} ≥ {low}"
    if high is not None:
        return f"{what} ≤ {high}"
    return ""


def enum_fields(schema_name: str, components: Mapping[str, Any]) -> tuple[str, ...]:
    """Top-level fields whose value is one of a fixed set (an enum, possibly nullable): the facts that tell
    one event of a kind from another in a trace (`status`, `reason`, `type`)."""
    root, _ = _resolve(components.get(schema_name, {}), components, schema_name)
    found = []
    for key, raw in (root.get("properties") or {}).items():
        node, _ = _resolve(raw, components, key)
        alternatives = [_resolve(a, components, key)[0] for a in node.get("oneOf") or node.get("anyOf") or ()]
        if any("enum" in n for n in alternatives or [node]):
            found.append(key)
    return tuple(found)


def fact_fields(messages: Mapping[str, str], components: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """detail-type -> its enum fields, for every message (`messages`: detail-type -> payload schema name)."""
    return {name: enum_fields(schema, components) for name, schema in sorted(messages.items())}
