"""DynamoDB plumbing shared by the state ports: attribute values, paging, condition failures.

A port value becomes data through the shared codec (`ports.codec`, decision 0004), like a SQLite row or an API
view; what is DynamoDB's own is done here, once: numbers travel as Decimal (the SDK refuses floats) and come back
as int or float. Empty strings need nothing: DynamoDB has accepted them outside keys since 2020, and our keys are
never empty (they are prefixed: `app#<id>`, `env#<id>`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ports.codec import from_data, to_data

Item = dict[str, Any]  # DynamoDB wire format: {"name": {"S": "..."}}
T = TypeVar("T")

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def encode(values: Mapping[str, Any]) -> Item:
    """Plain JSON-able values -> attribute values (floats become Decimal, as DynamoDB requires)."""
    plain = json.loads(json.dumps(values), parse_float=Decimal)
    return {key: _SERIALIZER.serialize(value) for key, value in plain.items()}


def decode(item: Item) -> dict[str, Any]:
    return {key: _plain(_DESERIALIZER.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_item(value: object, **keys: Any) -> Item:
    """A port value (frozen dataclass) as an item, with the table's `keys` beside its fields."""
    return encode({**to_data(value), **keys})


def from_item(kind: type[T], item: Item) -> T:
    """A port value back from an item; attributes that are not fields (keys, expiry) are dropped by the codec."""
    return from_data(kind, decode(item))


def is_condition_failure(error: ClientError) -> bool:
    """A conditional write lost: ConditionalCheckFailed, or a transaction cancelled by one."""
    code = error.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = error.response.get("CancellationReasons") or []
        if reasons:
            return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)
        return "ConditionalCheckFailed" in str(error)
    return False


def pages(client: Any, operation: str, **params: Any) -> Iterator[Item]:
    """Every item of a Query or Scan, following LastEvaluatedKey."""
    while True:
        response = getattr(client, operation)(**params)
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
