"""DynamoDB plumbing shared by the state ports: attribute-value codec, paging, condition failures."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import TypeAdapter

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


def dump(kind: type[T], value: T) -> dict[str, Any]:
    """A port value (frozen dataclass) as JSON-mode data."""
    data: dict[str, Any] = TypeAdapter(kind).dump_python(value, mode="json")
    return data


def load(kind: type[T], data: Mapping[str, Any]) -> T:
    """A port value back from JSON-mode data (extra attributes such as keys are dropped)."""
    fields = getattr(kind, "__dataclass_fields__", {})
    return TypeAdapter(kind).validate_python({k: v for k, v in data.items() if k in fields})


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
