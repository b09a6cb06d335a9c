"""Runtime validation of event `detail` payloads against the spec's JSON Schemas (format checking on).

Imported by the generated `events` package at every bus boundary, so it depends on jsonschema only.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match


class EventValidationError(ValueError):
    """A payload does not match its event's schema; the message names the event, the field path and why."""

    def __init__(self, detail_type: str, path: str, reason: str) -> None:
        self.detail_type = detail_type
        self.path = path
        self.reason = reason
        super().__init__(f"{detail_type}: invalid detail at {path}: {reason}")


class UnknownEventError(EventValidationError):
    """The detail-type is not a message of the spec."""

    def __init__(self, detail_type: str) -> None:
        ValueError.__init__(self, f"unknown detail-type {detail_type!r}: the spec has no such message")
        self.detail_type = detail_type
        self.path = ""
        self.reason = "unknown detail-type"


def _path_of(error: Any) -> str:
    parts = ["detail", *(f"[{p}]" if isinstance(p, int) else str(p) for p in error.absolute_path)]
    return ".".join(parts).replace(".[", "[")


_LOCAL = "#/components/schemas/"


class RecursiveSchemaError(ValueError):
    """A schema refers to itself; the runtime validator inlines references, so it cannot take one."""

    def __init__(self, chain: tuple[str, ...]) -> None:
        self.chain = tuple(ref.removeprefix(_LOCAL) for ref in chain)
        super().__init__(
            f"schema {self.chain[0]!r} refers to itself ({' -> '.join(self.chain)}); "
            "recursive schemas are not supported"
        )


def _target(ref: str, schemas: Mapping[str, Any]) -> Any:
    """The schema a local `#/components/schemas/...` pointer names, however deep it points."""
    node: Any = schemas
    for part in ref[len(_LOCAL) :].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _inline(node: Any, schemas: Mapping[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Replace local `#/components/schemas/...` references by their schema.

    Resolving `$ref` through jsonschema's registry on every call is about half of the validation cost; the
    spec's schemas are not recursive, so they can be inlined once.
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_LOCAL):
            if ref in seen:
                raise RecursiveSchemaError((*seen[seen.index(ref) :], ref))
            siblings = {k: _inline(v, schemas, seen) for k, v in node.items() if k != "$ref"}
            return {**_inline(_target(ref, schemas), schemas, (*seen, ref)), **siblings}
        return {k: _inline(v, schemas, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, schemas, seen) for v in node]
    return node


def _known(schema: Any, value: Any) -> Any:
    """`value` with the undeclared properties of closed objects dropped; the same object when none were."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties")
        if not isinstance(properties, dict) or schema.get("additionalProperties") is not False:
            return value
        kept = {key: _known(properties[key], item) for key, item in value.items() if key in properties}
        same = len(kept) == len(value) and all(kept[key] is value[key] for key in kept)
        return value if same else kept
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        items = [_known(schema["items"], item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def _formats() -> dict[str, Any]:
    """jsonschema's own format checks, for the compiled validators: both judge a format the same way. A verdict
    on a string is remembered (a bounded cache): the same timestamps, ids and URLs recur from event to event."""
    checker = Draft7Validator.FORMAT_CHECKER

    @functools.lru_cache(maxsize=16384)
    def on_text(value: str, name: str) -> bool:
        return bool(checker.conforms(value, name))

    def conforms(value: Any, name: str) -> bool:
        return on_text(value, name) if type(value) is str else bool(checker.conforms(value, name))

    return {name: (lambda value, name=name: conforms(value, name)) for name in checker.checkers}


class PayloadValidator:
    """Compiled validators, one per message, over a bundle of the spec's component schemas.

    Each schema is compiled to Python code (fastjsonschema, draft 7, with jsonschema's format checks): a valid
    payload, the common case, costs a few microseconds instead of a walk of the schema. An invalid one is then
    judged by jsonschema, whose verdict and message (`best_match`) are the ones given: the compiled code only
    says quickly that there is nothing to say. `tests/unit/test_payload_validation.py` holds the two to the
    same verdicts over every message's example and thousands of mutations of them."""

    def __init__(self, schemas: Mapping[str, Any], messages: Mapping[str, str]) -> None:
        inlined = {name: _inline(schemas[schema], schemas) for name, schema in messages.items()}
        self._inlined = inlined
        self._validators = {
            name: Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
            for name, schema in inlined.items()
        }
        formats = _formats()
        self._compiled = {
            name: fastjsonschema.compile(
                {**schema, "$schema": "http://json-schema.org/draft-07/schema#"}, formats=formats
            )
            for name, schema in inlined.items()
        }

    @classmethod
    def from_bundle(cls, path: Path) -> PayloadValidator:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        return cls(bundle["schemas"], bundle["messages"])

    @property
    def detail_types(self) -> frozenset[str]:
        return frozenset(self._validators)

    def validate(self, detail_type: str, detail: Any) -> None:
        compiled = self._compiled.get(detail_type)
        if compiled is None:
            raise UnknownEventError(detail_type)
        try:
            compiled(detail)
        except fastjsonschema.JsonSchemaException:
            pass  # jsonschema judges, and says why
        else:
            return
        self.validate_slowly(detail_type, detail)

    def known(self, detail_type: str, detail: Any) -> Any:
        """`detail` without the properties its schema does not name, at any depth: what a receiver reads
        (a tolerant reader, decision 0009), so a field a newer sender adds breaks no receiver still on the old
        spec. Senders stay strict: `validate` refuses what the spec does not name."""
        schema = self._inlined.get(detail_type)
        if schema is None:
            raise UnknownEventError(detail_type)
        try:
            self._compiled[detail_type](detail)
        except fastjsonschema.JsonSchemaException:
            return _known(schema, detail)
        return detail  # valid as it is, so nothing undeclared in it (the schemas are closed): no walk needed

    def read(self, detail_type: str, detail: Any) -> Any:
        """`detail` as a receiver reads it (`known`), validated: one compiled check in the common case, where the
        detail is exactly what the spec describes; raises EventValidationError naming what is wrong."""
        compiled = self._compiled.get(detail_type)
        if compiled is None:
            raise UnknownEventError(detail_type)
        try:
            compiled(detail)
        except fastjsonschema.JsonSchemaException:
            kept = _known(self._inlined[detail_type], detail)
            self.validate(detail_type, kept)
            return kept
        return detail

    def validate_slowly(self, detail_type: str, detail: Any) -> None:
        """jsonschema alone (the reference the compiled validators are held to)."""
        validator = self._validators.get(detail_type)
        if validator is None:
            raise UnknownEventError(detail_type)
        error = best_match(validator.iter_errors(detail))
        if error is not None:
            raise EventValidationError(detail_type, _path_of(error), error.message)

    def problems(self, detail_type: str, detail: Any) -> list[tuple[str, str]]:
        """Every way `detail` breaks its schema, as (field path, reason), in path order; for forms that show
        each error on its field (`validate` stops at the most relevant one)."""
        validator = self._validators.get(detail_type)
        if validator is None:
            raise UnknownEventError(detail_type)
        return sorted((_path_of(error), error.message) for error in validator.iter_errors(detail))
