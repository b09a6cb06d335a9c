"""`ports.Environments` on DynamoDB, with a conditional `create` that redelivery and concurrency cannot beat.

Three kinds of item in one table, written together in a transaction:
- `env#<id>`: the environment (what `get` reads);
- `app#<app_id>` / `env#<id>`: a copy, so `list_by_app` is one strongly consistent query;
- `slot#<identity>`: the string set `live` of the not-stopped environments with that (app, type, branch, pr).
`create` adds its id to the slot on condition that `live` does not exist (DynamoDB drops an emptied set), so
of two concurrent creates for one identity exactly one wins; `put` keeps the slot in step with the status.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from adapters.eventbridge.function.state._items import encode, from_item, is_condition_failure, pages, to_item
from events.models import EnvironmentStatus
from ports.previews import previews_of
from ports.values import Environment

_ENV = "env"


def _slot(environment: Environment) -> str:
    identity = [environment.app_id, str(environment.type), environment.branch, environment.pr_number]
    return "slot#" + json.dumps(identity, separators=(",", ":"))


def _order(environments: list[Environment]) -> list[Environment]:
    return sorted(environments, key=lambda e: (e.created_at, e.id))


class DynamoEnvironments:
    """Implements `ports.Environments`."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, pk: str, sk: str) -> dict[str, Any]:
        return encode({"pk": pk, "sk": sk})

    def get(self, environment_id: str) -> Environment | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(f"env#{environment_id}", _ENV), ConsistentRead=True
        )
        return from_item(Environment, response["Item"]) if "Item" in response else None

    def put(self, environment: Environment) -> None:
        self._client.transact_write_items(TransactItems=self._writes(environment, conditional=False))

    def create(self, environment: Environment) -> bool:
        try:
            self._client.transact_write_items(TransactItems=self._writes(environment, conditional=True))
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def delete(self, environment_id: str) -> None:
        old = self.get(environment_id)
        if old is None:
            return
        self._client.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": self._key(f"env#{old.id}", _ENV)}},
                {"Delete": {"TableName": self._table, "Key": self._key(f"app#{old.app_id}", f"env#{old.id}")}},
                self._slot_update(old, live=False),
            ]
        )

    def list_by_app(self, app_id: str) -> list[Environment]:
        items = pages(
            self._client,
            "query",
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :app",
            ExpressionAttributeValues=encode({":app": f"app#{app_id}"}),
        )
        return _order([from_item(Environment, item) for item in items])

    def list_previews(self, app_id: str, pr_number: int) -> list[Environment]:
        return previews_of(self.list_by_app(app_id), pr_number)  # one partition either way: read it all

    def list_all(self) -> list[Environment]:
        items = pages(
            self._client,
            "scan",
            TableName=self._table,
            ConsistentRead=True,
            FilterExpression="sk = :env",
            ExpressionAttributeValues=encode({":env": _ENV}),
        )
        return _order([from_item(Environment, item) for item in items])

    def _writes(self, environment: Environment, *, conditional: bool) -> list[dict[str, Any]]:
        body = to_item(environment)
        main: dict[str, Any] = {"TableName": self._table, "Item": {**body, **self._key(f"env#{environment.id}", _ENV)}}
        if conditional:
            main["ConditionExpression"] = "attribute_not_exists(pk)"
        copy = {**body, **self._key(f"app#{environment.app_id}", f"env#{environment.id}")}
        live = environment.status is not EnvironmentStatus.stopped
        slot = self._slot_update(environment, live=live)
        if conditional:
            if live:
                slot["Update"]["ConditionExpression"] = "attribute_not_exists(live)"
            else:
                slot = {"ConditionCheck": {**slot["Update"], "ConditionExpression": "attribute_not_exists(live)"}}
                for key in ("UpdateExpression", "ExpressionAttributeValues"):
                    slot["ConditionCheck"].pop(key)
        return [{"Put": main}, {"Put": {"TableName": self._table, "Item": copy}}, slot]

    def _slot_update(self, environment: Environment, *, live: bool) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": self._key(_slot(environment), "slot"),
                "UpdateExpression": f"{'ADD' if live else 'DELETE'} live :id",
                "ExpressionAttributeValues": {":id": {"SS": [environment.id]}},
            }
        }
