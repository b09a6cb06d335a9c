"""Small state ports on DynamoDB: idempotency keys (with TTL), key-values, secrets (ciphertext) and the feed.

Idempotency keys and key-values live in one namespace per service (`<service>#<key>`), the leading key that
each function's IAM policy is fenced to.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from adapters.eventbridge.state._items import decode, dump, encode, is_condition_failure, load, pages
from events.models import EnvironmentType
from ports.values import FeedItem, StoredSecret

DEDUPE_TTL_SECONDS = 14 * 24 * 3600  # longer than any redelivery: SQS keeps a message at most 14 days
FEED_TTL_SECONDS = 7 * 24 * 3600
FEED_PARTITION = "feed"


class DynamoDedupe:
    """Implements `ports.Dedupe`: a conditional put; a key is "seen" until its TTL has passed."""

    def __init__(
        self,
        client: Any,
        table: str,
        namespace: str,
        *,
        ttl_seconds: int = DEDUPE_TTL_SECONDS,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._client, self._table, self._namespace = client, table, namespace
        self._ttl, self._now = ttl_seconds, now

    def seen(self, key: str) -> bool:
        """Whether `key` is recorded and not expired; records nothing."""
        response = self._client.get_item(
            TableName=self._table, Key=encode({"pk": f"{self._namespace}#{key}"}), ConsistentRead=True
        )
        return "Item" in response and int(decode(response["Item"])["expires_at"]) >= int(self._now())

    def first_time(self, key: str) -> bool:
        now = int(self._now())
        try:
            self._client.put_item(
                TableName=self._table,
                Item=encode({"pk": f"{self._namespace}#{key}", "expires_at": now + self._ttl}),
                # DynamoDB deletes expired items lazily (within days), so an expired key counts as absent.
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues=encode({":now": now}),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True


class DeferredDedupe:
    """`ports.Dedupe` for one unit of work: keys are checked at once but recorded only by `commit()`, after
    the events the work produced were published. Marking first would lose those events when the publish
    fails: the redelivery would be skipped as a duplicate. (The local backend gets the same from its SQLite
    transaction.) A duplicate delivered concurrently may then run twice; handlers are idempotent."""

    def __init__(self, inner: DynamoDedupe) -> None:
        self._inner = inner
        self._pending: list[str] = []

    def first_time(self, key: str) -> bool:
        if key in self._pending or self._inner.seen(key):
            return False
        self._pending.append(key)
        return True

    def commit(self) -> None:
        for key in self._pending:
            self._inner.first_time(key)
        self._pending.clear()


class DynamoOutbox:
    """The events one handled event produced, kept until they are published: a retry after a failed publish
    sends these again instead of running the handler, whose state changes are already made and which would
    now produce nothing. Items live in the dedupe table, in the service's namespace, with its TTL."""

    def __init__(self, client: Any, table: str, namespace: str, *, now: Callable[[], float] = time.time) -> None:
        self._client, self._table, self._namespace, self._now = client, table, namespace, now

    def _key(self, event_id: str) -> dict[str, Any]:
        return encode({"pk": f"{self._namespace}#outbox#{event_id}"})

    def get(self, event_id: str) -> list[dict[str, Any]] | None:
        response = self._client.get_item(TableName=self._table, Key=self._key(event_id), ConsistentRead=True)
        if "Item" not in response:
            return None
        envelopes: list[dict[str, Any]] = json.loads(response["Item"]["envelopes"]["S"])
        return envelopes

    def put(self, event_id: str, envelopes: list[dict[str, Any]]) -> None:
        item = {
            **self._key(event_id),
            "envelopes": {"S": json.dumps(envelopes, separators=(",", ":"))},
            "expires_at": {"N": str(int(self._now()) + DEDUPE_TTL_SECONDS)},
        }
        self._client.put_item(TableName=self._table, Item=item)

    def done(self, event_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=self._key(event_id))


class DynamoKeyValue:
    """Implements `ports.KeyValue` in the service's namespace."""

    def __init__(self, client: Any, table: str, namespace: str) -> None:
        self._client, self._table, self._namespace = client, table, namespace

    def get(self, key: str) -> str | None:
        response = self._client.get_item(
            TableName=self._table, Key=encode({"pk": f"{self._namespace}#{key}"}), ConsistentRead=True
        )
        return str(decode(response["Item"])["value"]) if "Item" in response else None

    def put(self, key: str, value: str) -> None:
        self._client.put_item(TableName=self._table, Item=encode({"pk": f"{self._namespace}#{key}", "value": value}))


class DynamoSecretStore:
    """Implements `ports.SecretStore`: ciphertext and wrapped data key as binary attributes, never plaintext."""

    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    @staticmethod
    def _key(app_id: str, environment_type: str, name: str) -> dict[str, Any]:
        return encode({"pk": app_id, "sk": f"{environment_type}#{name}"})

    def put(self, secret: StoredSecret) -> None:
        item = {
            **self._key(secret.app_id, str(secret.environment_type), secret.name),
            **encode({"environment_type": str(secret.environment_type), "name": secret.name}),
            "updated_at": {"S": secret.updated_at.isoformat()},
            "ciphertext": {"B": secret.ciphertext},
            "wrapped_key": {"B": secret.wrapped_key},
        }
        self._client.put_item(TableName=self._table, Item=item)

    def get(self, app_id: str, environment_type: str, name: str) -> StoredSecret | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(app_id, str(environment_type), name), ConsistentRead=True
        )
        return self._secret(response["Item"]) if "Item" in response else None

    def list(self, app_id: str) -> list[StoredSecret]:
        items = pages(
            self._client,
            "query",
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :app",
            ExpressionAttributeValues=encode({":app": app_id}),
        )
        return [self._secret(item) for item in items]

    def delete(self, app_id: str, environment_type: str, name: str) -> bool:
        response = self._client.delete_item(
            TableName=self._table, Key=self._key(app_id, str(environment_type), name), ReturnValues="ALL_OLD"
        )
        return "Attributes" in response

    @staticmethod
    def _secret(item: dict[str, Any]) -> StoredSecret:
        return StoredSecret(
            app_id=item["pk"]["S"],
            environment_type=EnvironmentType(item["environment_type"]["S"]),
            name=item["name"]["S"],
            ciphertext=bytes(item["ciphertext"]["B"]),
            wrapped_key=bytes(item["wrapped_key"]["B"]),
            updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        )


class DynamoFeed:
    """Implements `ports.Feed`: one partition sorted by time; items expire after a week."""

    def __init__(self, client: Any, table: str, *, ttl_seconds: int = FEED_TTL_SECONDS) -> None:
        self._client, self._table, self._ttl = client, table, ttl_seconds

    def push(self, item: FeedItem) -> None:
        sort_key = f"{item.at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{uuid.uuid4().hex}"
        expires = int(item.at.timestamp()) + self._ttl
        values = {**dump(FeedItem, item), "pk": FEED_PARTITION, "sk": sort_key, "expires_at": expires}
        self._client.put_item(TableName=self._table, Item=encode(values))

    def recent(self, limit: int = 100) -> list[FeedItem]:
        """The latest `limit` items, oldest first (as the in-memory feed)."""
        if limit <= 0:
            return []
        response = self._client.query(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :feed",
            ExpressionAttributeValues=encode({":feed": FEED_PARTITION}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [load(FeedItem, decode(item)) for item in reversed(response.get("Items", []))]
