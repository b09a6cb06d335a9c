"""Draft 4 schemas for the registry: valid Draft 4, and they accept and refuse what the spec does."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft4Validator

import events
from adapters.eventbridge.stack.schemas import Draft4ConversionError, event_schema, schema_name, to_draft4
from spec.contract import Contract, source_of


def envelope(contract: Contract, message: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": message,
        "source": source_of(contract.messages[message].senders[0]),
        "account": "123456789012",
        "time": "2026-11-28T06:46:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def validator(contract: Contract, message: str) -> Draft4Validator:
    schema = event_schema(contract, message)
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def test_every_schema_is_draft4_and_accepts_the_spec_examples(contract: Contract) -> None:
    for name, message in contract.messages.items():
        check = validator(contract, name)
        assert message.examples, name
        for example in message.examples:
            detail = example["payload"]
            events.validate(name, detail)  # the spec's own validator agrees the example is valid
            errors = [e.message for e in check.iter_errors(envelope(contract, name, detail))]
            assert errors == [], name


def test_schemas_refuse_what_the_spec_refuses(contract: Contract) -> None:
    for name, message in contract.messages.items():
        check = validator(contract, name)
        detail = copy.deepcopy(message.examples[0]["payload"])
        del detail["metadata"]
        assert not check.is_valid(envelope(contract, name, detail)), name
        extra = {**message.examples[0]["payload"], "unexpected": 1}
        assert not check.is_valid(envelope(contract, name, extra)), name
        wrong_source = {**envelope(contract, name, message.examples[0]["payload"]), "source": "wingcloud.nobody"}
        assert not check.is_valid(wrong_source), name


def test_nullable_fields_keep_null_and_refuse_other_types(contract: Contract) -> None:
    """Draft 7's `type: [string, "null"]` is also Draft 4: null passes, a number does not."""
    check = validator(contract, "PullRequestOpened")
    detail = copy.deepcopy(contract.messages["PullRequestOpened"].examples[0]["payload"])
    detail["metadata"]["causation_id"] = None
    assert check.is_valid(envelope(contract, "PullRequestOpened", detail))
    detail["metadata"]["causation_id"] = 5
    assert not check.is_valid(envelope(contract, "PullRequestOpened", detail))


def test_refs_point_into_definitions_and_all_resolve(contract: Contract) -> None:
    for name in contract.messages:
        schema = event_schema(contract, name)
        text = json.dumps(schema)
        assert "#/components/schemas/" not in text
        refs = {part.split('"')[0] for part in text.split('"$ref": "#/definitions/')[1:]}
        assert refs <= set(schema["definitions"]), name


def test_schema_names_follow_the_registry_style(contract: Contract) -> None:
    assert schema_name(contract, "AppCreated") == "wingcloud.apps@AppCreated"
    assert schema_name(contract, "PullRequestOpened") == "wingcloud@PullRequestOpened"  # sent by github and gitlab
    assert event_schema(contract, "AppCreated")["x-amazon-events-source"] == "wingcloud.apps"


@pytest.mark.parametrize(
    ("draft7", "draft4"),
    [
        ({"const": "x"}, {"enum": ["x"]}),
        ({"exclusiveMinimum": 0}, {"minimum": 0, "exclusiveMinimum": True}),
        ({"exclusiveMaximum": 9}, {"maximum": 9, "exclusiveMaximum": True}),
        ({"properties": {"a": True, "b": False}}, {"properties": {"a": {}, "b": {"not": {}}}}),
        ({"properties": {"const": {"type": "string"}}}, {"properties": {"const": {"type": "string"}}}),
        ({"$ref": "#/components/schemas/X"}, {"$ref": "#/definitions/X"}),
        ({"type": "string", "examples": ["a"], "$comment": "c"}, {"type": "string"}),
        ({"items": [{"const": 1}], "additionalItems": False}, {"items": [{"enum": [1]}], "additionalItems": False}),
        ({"$defs": {"A": {"const": 1}}}, {"definitions": {"A": {"enum": [1]}}}),
        ({"anyOf": [{"type": ["string", "null"]}]}, {"anyOf": [{"type": ["string", "null"]}]}),
    ],
)
def test_draft7_keywords_become_draft4(draft7: dict[str, Any], draft4: dict[str, Any]) -> None:
    assert to_draft4(draft7) == draft4
    Draft4Validator.check_schema(to_draft4(draft7) if "$ref" not in draft7 else {})


@pytest.mark.parametrize("keyword", ["if", "contains", "propertyNames"])
def test_keywords_without_a_draft4_equivalent_are_errors(keyword: str) -> None:
    with pytest.raises(Draft4ConversionError, match=f"'{keyword}'"):
        to_draft4({"properties": {"a": {keyword: {}}}})


def test_an_external_ref_is_an_error() -> None:
    with pytest.raises(Draft4ConversionError, match=r"other\.json"):
        to_draft4({"$ref": "other.json#/X"})
