"""Content filters against the schema they filter: a filter on a field the detail cannot hold never matches."""

from __future__ import annotations

from typing import Any

_LOCAL = "#/components/schemas/"


def _resolve(schema: Any, schemas: dict[str, Any]) -> Any:
    """Follow top-level `$ref`s and array `items` down to the schema of one value."""
    for _ in range(32):  # references are checked for cycles elsewhere; stop rather than loop
        if not isinstance(schema, dict):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_LOCAL) and ref.count("/") == 3:
            schema = schemas.get(ref.rsplit("/", 1)[-1])
        elif "items" in schema and "properties" not in schema:
            schema = schema["items"]
        else:
            return schema
    return None


def unknown_filter_fields(pattern: Any, schema: Any, schemas: dict[str, Any], path: str = "detail") -> list[str]:
    """Dotted paths the filter names that the schema does not define (free-form objects accept any)."""
    if not isinstance(pattern, dict):
        return []
    resolved = _resolve(schema, schemas)
    properties = resolved.get("properties") if isinstance(resolved, dict) else None
    if not isinstance(properties, dict):
        return []
    unknown: list[str] = []
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            for branch in value:
                unknown += unknown_filter_fields(branch, resolved, schemas, path)
        elif key not in properties:
            unknown.append(f"{path}.{key}")
        elif isinstance(value, dict):
            unknown += unknown_filter_fields(value, properties[key], schemas, f"{path}.{key}")
    return unknown
