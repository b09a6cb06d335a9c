"""The shapes of the project's `x-` fields, which the official AsyncAPI schema lets hold anything."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

from spec._errors import SpecProblem

_STRINGS = {"type": "array", "items": {"type": "string"}}
EXTENSIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "x-services": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "triggers": _STRINGS,
                    "ports": _STRINGS,
                    "owns": _STRINGS,
                },
            },
        },
        "x-triggers": {"type": "object", "additionalProperties": {"type": "string"}},
        # removed messages, each with why: the gate accepts their removal (decision 0009)
        "x-retired-messages": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}},
        "operations": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"x-service": {"type": "string"}, "x-trigger": {"type": "string"}},
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "messages": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "x-terminal": {"type": "boolean"},
                            "x-external": {"type": "boolean"},
                            "x-cycle-allowed": {"type": "string", "minLength": 1},
                            # the message's major version: raising it marks an intentional break (decision 0009)
                            "x-version": {"type": "integer", "minimum": 1},
                        },
                    },
                }
            },
        },
    },
}


def _pointer(*parts: object) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def check_extensions(document: dict[str, Any]) -> list[SpecProblem]:
    """The shapes of the project's `x-` fields (services, triggers, operation owners, message markers)."""
    return sorted(
        {
            SpecProblem(_pointer(*error.absolute_path), f"breaks the project's x- extensions: {error.message[:300]}")
            for error in Draft7Validator(EXTENSIONS_SCHEMA).iter_errors(document)
        }
    )
