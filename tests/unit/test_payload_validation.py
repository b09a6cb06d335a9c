"""The compiled validators (fastjsonschema) and jsonschema give the same verdict on every payload.

`PayloadValidator.validate` trusts the compiled code when it says "valid" and asks jsonschema otherwise; a
payload the compiled code passed but jsonschema would refuse would cross a bus boundary unchecked. So both are
run over every message's examples and over mutations of them: each field removed, replaced by values of the
wrong type, the wrong format and the wrong size, and an unknown field added, at every depth.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from events import _VALIDATOR
from spec.contract import Contract
from spec.payloads import EventValidationError

REPLACEMENTS: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**63,
    1.5,
    "",
    "x",
    "not a date",
    "2024-01-01T00:00:00Z",
    "https://example.com/a",
    "javascript:alert(1)",
    "a" * 3000,
    "-leading-dash",
    [],
    ["x"],
    {},
    {"unknown": 1},
)


def _paths(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*here, key)
            yield from _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*here, index)
            yield from _paths(value, (*here, index))


def _set(payload: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(payload)
    node = copied
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copied


def _remove(payload: Any, path: tuple[Any, ...]) -> Any:
    copied = copy.deepcopy(payload)
    node = copied
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return copied


def _mutations(payload: dict[str, Any]) -> Iterator[Any]:
    yield payload
    yield {**payload, "unknown_field": 1}
    yield []
    yield None
    for path in _paths(payload):
        yield _remove(payload, path)
        for value in REPLACEMENTS:
            yield _set(payload, path, value)
        parent = _get(payload, path[:-1])
        if isinstance(parent, dict) and isinstance(_get(payload, path), dict):
            yield _set(payload, path, {**_get(payload, path), "unknown_field": 1})


def _get(payload: Any, path: tuple[Any, ...]) -> Any:
    node = payload
    for part in path:
        node = node[part]
    return node


def _verdict(check: Any, name: str, payload: Any) -> str | None:
    try:
        check(name, payload)
    except EventValidationError as error:
        return str(error)
    return None


@cache
def contract() -> Contract:
    return Contract.load()


MESSAGES = sorted(contract().messages)


@pytest.mark.parametrize("name", MESSAGES)
def test_compiled_and_reference_validators_agree(name: str) -> None:
    examples = [example["payload"] for example in contract().messages[name].examples]
    assert examples, f"{name} has no example"
    judged = refused = 0
    for example in examples:
        for payload in _mutations(example):
            fast = _verdict(_VALIDATOR.validate, name, payload)
            slow = _verdict(_VALIDATOR.validate_slowly, name, payload)
            assert fast == slow, f"{name}: {payload!r:.300}: compiled says {fast!r:.300}, jsonschema says {slow!r:.300}"
            judged += 1
            refused += slow is not None
    # the mutations reach the schema's checks: most are refused, the examples are not
    assert refused > judged // 2, f"{name}: only {refused} of {judged} mutations refused"


def test_every_message_judged() -> None:
    assert set(MESSAGES) == set(_VALIDATOR.detail_types)
