"""`ports.Apps` on DynamoDB, every read strongly consistent.

One table, two items per app: `app#<id>` holds the app and `repo#<owner/repo lowercased>` / `app#<id>` a copy
that `list_by_repository` queries. Both are written in one transaction. A global secondary index would be
simpler but is only eventually consistent, and an app created a moment before its first pull request must be
found.
"""

from __future__ import annotations

from typing import Any

from adapters.eventbridge.function.state._items import encode, from_item, pages, to_item
from ports.values import App

_APP = "app"


def _order(apps: list[App]) -> list[App]:
    return sorted(apps, key=lambda a: (a.created_at, a.id))


class DynamoApps:
    """Implements `ports.Apps`."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    @staticmethod
    def _key(app_id: str) -> dict[str, Any]:
        return encode({"pk": f"app#{app_id}", "sk": _APP})

    @staticmethod
    def _repo_key(repository: str, app_id: str) -> dict[str, Any]:
        return encode({"pk": f"repo#{repository.lower()}", "sk": f"app#{app_id}"})

    def get(self, app_id: str) -> App | None:
        response = self._client.get_item(TableName=self._table, Key=self._key(app_id), ConsistentRead=True)
        return from_item(App, response["Item"]) if "Item" in response else None

    def put(self, app: App) -> None:
        old = self.get(app.id)
        body = to_item(app)
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": {**body, **self._key(app.id)}}},
            {"Put": {"TableName": self._table, "Item": {**body, **self._repo_key(app.repository, app.id)}}},
        ]
        if old is not None and old.repository.lower() != app.repository.lower():
            writes.append({"Delete": {"TableName": self._table, "Key": self._repo_key(old.repository, app.id)}})
        self._client.transact_write_items(TransactItems=writes)

    def delete(self, app_id: str) -> None:
        old = self.get(app_id)
        if old is None:
            return
        self._client.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": self._key(app_id)}},
                {"Delete": {"TableName": self._table, "Key": self._repo_key(old.repository, app_id)}},
            ]
        )

    def list_all(self) -> list[App]:
        items = pages(
            self._client,
            "scan",
            TableName=self._table,
            ConsistentRead=True,
            FilterExpression="sk = :app",
            ExpressionAttributeValues=encode({":app": _APP}),
        )
        return _order([from_item(App, item) for item in items])

    def list_by_repository(self, repository: str) -> list[App]:
        items = pages(
            self._client,
            "query",
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :repo",
            ExpressionAttributeValues=encode({":repo": f"repo#{repository.lower()}"}),
        )
        return _order([from_item(App, item) for item in items])
