"""`wingcloud spec validate`: the official AsyncAPI 3.0.0 schema first, then the project's own rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from spec._errors import SpecError, SpecProblem
from spec.contract import Contract, message_name_of, resolve_pointer
from spec.extensions import check_extensions
from spec.filters import unknown_filter_fields
from spec.loader import load_document
from spec.payloads import EventValidationError, PayloadValidator, RecursiveSchemaError

PatternCheck = Callable[[Any], None]
PASCAL_PAST_TENSE = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*(?:ed|Due)$")
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
# Words that look past tense but are nouns at the end of a name, and the irregular past forms we accept.
IRREGULAR_PAST = ("Sent", "Built", "Lost", "Set", "Run", "Found", "Reported")
SECRET_WORDS = re.compile(r"(^|_)(secret_value|value|password|token|private_key|api_key|plaintext)($|_)")


def _pointer(*parts: object) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _specificity(error: Any) -> tuple[int, bool, bool, str]:
    """Deepest first; among alternatives, not the `$ref`-object branch nor a bare type mismatch when a
    branch of the right type says more (an unknown enum value, a missing property)."""
    return (
        -len(error.absolute_path),
        error.message == "'$ref' is a required property",
        error.validator == "type",
        error.message,
    )


def check_official_schema(document: dict[str, Any], official_schema: dict[str, Any]) -> list[SpecProblem]:
    validator = Draft7Validator(official_schema)
    problems = []
    for error in validator.iter_errors(document):
        # The official schema nests oneOf/anyOf deeply; report the most specific cause.
        leaf = error
        while leaf.context:
            leaf = min(leaf.context, key=_specificity)
        problems.append(
            SpecProblem(_pointer(*leaf.absolute_path), f"breaks the AsyncAPI 3.0.0 schema: {leaf.message[:300]}")
        )
    return sorted(set(problems))


def check_refs(root: dict[str, Any]) -> list[SpecProblem]:
    problems: list[SpecProblem] = []

    def visit(node: Any, here: tuple[object, ...]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolve_pointer(root, ref)
                except KeyError:
                    problems.append(SpecProblem(_pointer(*here, "$ref"), f"$ref {ref!r} does not resolve"))
            for key, value in node.items():
                visit(value, (*here, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, (*here, index))

    visit(root, ())
    return problems


def _is_past_tense(name: str) -> bool:
    return bool(PASCAL_PAST_TENSE.match(name)) or name.endswith(IRREGULAR_PAST)


def check_project_rules(document: dict[str, Any], pattern_check: PatternCheck | None = None) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    services = document.get("x-services")
    if not isinstance(services, dict) or not services:
        return [SpecProblem("/x-services", "the spec must list its services under x-services")]
    triggers = document.get("x-triggers") or {}
    for name, raw in services.items():
        if not SERVICE_NAME.match(str(name)):
            problems.append(
                SpecProblem(_pointer("x-services", name), f"service name {name!r} must be lower-kebab-case")
            )
        for trigger in (raw or {}).get("triggers", []):
            if trigger not in triggers:
                problems.append(
                    SpecProblem(
                        _pointer("x-services", name, "triggers"), f"unknown trigger {trigger!r} (see x-triggers)"
                    )
                )

    components = document.get("components") or {}
    messages = components.get("messages") or {}
    schemas = components.get("schemas") or {}
    names = Counter(str((raw or {}).get("name", key)) for key, raw in messages.items())
    for key, raw in messages.items():
        here = ("components", "messages", key)
        name = str(raw.get("name", key))
        if names[name] > 1:
            problems.append(SpecProblem(_pointer(*here, "name"), f"duplicate message name {name!r}"))
        if name != key:
            problems.append(SpecProblem(_pointer(*here, "name"), f"message name {name!r} differs from its key {key!r}"))
        if not _is_past_tense(name):
            problems.append(
                SpecProblem(_pointer(*here, "name"), f"message name {name!r} must be PascalCase past tense")
            )
        payload_ref = str((raw.get("payload") or {}).get("$ref", ""))
        if payload_ref != f"#/components/schemas/{name}":
            problems.append(
                SpecProblem(
                    _pointer(*here, "payload"),
                    f"payload must be $ref to the named schema #/components/schemas/{name}, not {payload_ref!r}",
                )
            )
            continue
        problems += _check_detail_schema(name, schemas.get(name), schemas)
        if not raw.get("examples"):
            problems.append(SpecProblem(_pointer(*here, "examples"), "every message needs at least one example"))
    problems += _check_operations(document, services, pattern_check)
    return problems


def _check_detail_schema(name: str, schema: Any, schemas: dict[str, Any]) -> list[SpecProblem]:
    here = ("components", "schemas", name)
    if not isinstance(schema, dict):
        return [SpecProblem(_pointer(*here), f"schema {name!r} is missing")]
    problems = []
    if schema.get("additionalProperties") is not False:
        problems.append(SpecProblem(_pointer(*here, "additionalProperties"), "must be false"))
    properties = schema.get("properties") or {}
    metadata = properties.get("metadata") if isinstance(properties, dict) else None
    if not isinstance(metadata, dict) or metadata.get("$ref") != "#/components/schemas/EventMetadata":
        problems.append(
            SpecProblem(_pointer(*here, "properties", "metadata"), "must be $ref #/components/schemas/EventMetadata")
        )
    if "metadata" not in (schema.get("required") or []):
        problems.append(SpecProblem(_pointer(*here, "required"), "must require metadata"))
    for pointer, field_name in _property_names(schema, here, schemas, ()):
        if SECRET_WORDS.search(str(field_name)):
            problems.append(
                SpecProblem(pointer, f"field {field_name!r} looks like a secret value; events carry references only")
            )
    return problems


def _property_names(
    node: Any, here: tuple[object, ...], schemas: dict[str, Any], seen: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(pointer, name) of every property a detail can hold, nested objects and referenced schemas included;
    a referenced schema's properties are reported where that schema is defined."""
    if isinstance(node, list):
        return [pair for i, item in enumerate(node) for pair in _property_names(item, (*here, i), schemas, seen)]
    if not isinstance(node, dict):
        return []
    found: list[tuple[str, str]] = []
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref.count("/") == 3:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and isinstance(schemas.get(name), dict):
            found += _property_names(schemas[name], ("components", "schemas", name), schemas, (*seen, name))
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            found += [(_pointer(*here, key, prop), str(prop)) for prop in value]
        if isinstance(value, dict | list):
            found += _property_names(value, (*here, key), schemas, seen)
    return found


def _check_operations(
    document: dict[str, Any], services: dict[str, Any], pattern_check: PatternCheck | None
) -> list[SpecProblem]:
    problems = []
    operations = document.get("operations") or {}
    messages = (document.get("components") or {}).get("messages") or {}
    contract = Contract.from_document(document)
    for op_id, raw in operations.items():
        here = ("operations", op_id)
        service = raw.get("x-service")
        if service not in services:
            problems.append(SpecProblem(_pointer(*here, "x-service"), f"unknown service {service!r} (see x-services)"))
        trigger = raw.get("x-trigger")
        if trigger is not None and (raw.get("action") != "send" or trigger not in (document.get("x-triggers") or {})):
            problems.append(
                SpecProblem(
                    _pointer(*here, "x-trigger"), f"x-trigger {trigger!r} must name an x-triggers entry on a send"
                )
            )
        for index, ref in enumerate(raw.get("messages") or []):
            name = message_name_of(document, str((ref or {}).get("$ref", "")))
            if name not in messages:
                problems.append(
                    SpecProblem(
                        _pointer(*here, "messages", index),
                        f"{ref.get('$ref')!r} is not a message of #/components/messages",
                    )
                )
        pattern = raw.get("x-eventbridge-pattern")
        if pattern is not None:
            if raw.get("action") != "receive":
                problems.append(SpecProblem(_pointer(*here, "x-eventbridge-pattern"), "only receive operations filter"))
            problems += _check_content_filter(pattern, here, pattern_check)
            problems += _check_filter_fields(document, raw, pattern, here)
    for key, raw in messages.items():
        message = contract.messages.get(str(raw.get("name", key)))
        if message is None:
            continue
        where = _pointer("components", "messages", key)
        if not message.senders and not raw.get("x-external"):
            problems.append(SpecProblem(where, f"message {key!r} is sent by no service"))
        if not message.receivers and not raw.get("x-terminal"):
            problems.append(SpecProblem(where, f"message {key!r} is received by no service"))
    return problems


def _check_content_filter(
    pattern: Any, here: tuple[object, ...], pattern_check: PatternCheck | None
) -> list[SpecProblem]:
    where = _pointer(*here, "x-eventbridge-pattern")
    if not isinstance(pattern, dict) or set(pattern) - {"detail"}:
        return [SpecProblem(where, "a content filter may only constrain `detail`")]
    if pattern_check is not None:
        try:
            pattern_check(pattern)
        except ValueError as exc:
            return [SpecProblem(where, str(exc))]
    return []


def _check_filter_fields(
    document: dict[str, Any], operation: dict[str, Any], pattern: Any, here: tuple[object, ...]
) -> list[SpecProblem]:
    if not isinstance(pattern, dict):
        return []
    schemas = (document.get("components") or {}).get("schemas") or {}
    problems = []
    for ref in operation.get("messages") or []:
        name = message_name_of(document, str((ref or {}).get("$ref", "")))
        for field_path in unknown_filter_fields(pattern.get("detail"), schemas.get(name), schemas):
            problems.append(
                SpecProblem(
                    _pointer(*here, "x-eventbridge-pattern"),
                    f"filters on {field_path}, which {name} does not have; the rule would never match",
                )
            )
    return problems


def check_examples(document: dict[str, Any]) -> list[SpecProblem]:
    components = document.get("components") or {}
    schemas = components.get("schemas") or {}
    messages = components.get("messages") or {}
    problems = []
    for key, raw in messages.items():
        if key not in schemas:
            continue
        try:
            validator = PayloadValidator(schemas, {key: key})
        except RecursiveSchemaError as exc:
            problems.append(SpecProblem(_pointer("components", "schemas", key), str(exc)))
            continue
        for index, example in enumerate(raw.get("examples") or []):
            here = ("components", "messages", key, "examples", index, "payload")
            try:
                validator.validate(key, example.get("payload"))
            except EventValidationError as exc:
                problems.append(
                    SpecProblem(_pointer(*here), f"example contradicts its schema: {exc.path}: {exc.reason}")
                )
    return problems


def validate_document(
    document: dict[str, Any], official_schema: dict[str, Any], pattern_check: PatternCheck | None = None
) -> list[SpecProblem]:
    """Every problem of the document; the official schema first, since later checks assume its shape."""
    problems = check_official_schema(document, official_schema)
    if problems:
        return problems
    problems = check_extensions(document) or check_refs(document)
    if problems:
        return problems
    return sorted(set(check_project_rules(document, pattern_check) + check_examples(document)))


def validate_path(path: Path, pattern_check: PatternCheck | None = None) -> Contract:
    """Load and validate; raise SpecError with every problem, or return the contract.

    `pattern_check` validates content filters with the bus's own pattern engine; the spec package sits
    below the simulator, so the caller (the CLI) hands it in.
    """
    from spec import OFFICIAL_SCHEMA_PATH

    document = load_document(path)
    official = json.loads(OFFICIAL_SCHEMA_PATH.read_text(encoding="utf-8"))
    problems = validate_document(document, official, pattern_check)
    if problems:
        raise SpecError(problems)
    return Contract.from_document(document)
