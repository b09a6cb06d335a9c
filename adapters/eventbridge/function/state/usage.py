"""`ports.Usage` on DynamoDB: the usage table, one item per mark, `pk` the app and `sk` `<environment>#<event id>`.

A mark is written with an unconditional Put of the same item every time its event is delivered, so a
duplicate rewrites it unchanged (and joins the delivery's transaction like any write); an app's marks are
one strongly consistent Query.
"""

from __future__ import annotations

from typing import Any

from adapters.eventbridge.function.state._items import encode, from_item, pages, to_item
from ports.values import UsageMark


class DynamoUsage:
    """Implements `ports.Usage`."""

    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def record(self, mark: UsageMark) -> None:
        item = to_item(mark, pk=mark.app_id, sk=f"{mark.environment_id}#{mark.event_id}")
        self._client.put_item(TableName=self._table, Item=item)

    def marks_of_app(self, app_id: str) -> list[UsageMark]:
        items = pages(
            self._client,
            "query",
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :app",
            ExpressionAttributeValues=encode({":app": app_id}),
        )
        return [from_item(UsageMark, item) for item in items]
