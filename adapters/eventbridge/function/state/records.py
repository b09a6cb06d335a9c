"""Small state on DynamoDB: the kernel's ledger and outbox (with TTL; the outbox item commits in the handler's
transaction, see `function.transaction`), key-values, secrets (ciphertext) and
the feed.

Ledger items, outbox items and key-values live in one namespace per service (`<service>#<key>`), the leading
key that each function's IAM policy is fenced to.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from adapters.eventbridge.function.state._items import (
    decode,
    encode,
    from_item,
    is_condition_failure,
    pages,
    to_item,
)
from bus.envelope import Envelope
from events.models import EnvironmentType
from ports.values import FeedItem, StoredSecret

RELAY_INDEX = "relay"  # a sparse global secondary index of the ledger: the pending items of API commands and doors
RELAY_ATTRIBUTE = "relay"
LEDGER_TTL_SECONDS = 14 * 24 * 3600  # longer than any redelivery: SQS keeps a message at most 14 days
FEED_TTL_SECONDS = 7 * 24 * 3600
FEED_PARTITION = "feed"


@dataclass(frozen=True)
class LedgerEntry:
    """What the ledger knows of one delivery: done, or handled with its events not yet all published."""

    done: bool
    pending: tuple[Envelope, ...] = ()


class DynamoLedger:
    """The kernel's record of what each target handled, and the outbox of what it published, in one item per
    delivery: `<service>#<target>#<key>`. A handled delivery whose events are not out yet is `pending` with
    them; once they are published it is `done`. One read tells a consumer all it needs: run the handler,
    send the kept events again, or skip a duplicate. Items expire with a TTL (DynamoDB deletes expired items
    lazily, within days, so an expired item counts as absent)."""

    def __init__(
        self,
        client: Any,
        table: str,
        namespace: str,
        *,
        ttl_seconds: int = LEDGER_TTL_SECONDS,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._client, self._table, self._namespace = client, table, namespace
        self._ttl, self._now = ttl_seconds, now

    def _key(self, key: str) -> dict[str, Any]:
        return encode({"pk": f"{self._namespace}#{key}"})

    def lookup(self, key: str) -> LedgerEntry | None:
        """None when `key` was never handled (or its record expired)."""
        response = self._client.get_item(TableName=self._table, Key=self._key(key), ConsistentRead=True)
        item = response.get("Item")
        if item is None or int(item["expires_at"]["N"]) < int(self._now()):
            return None
        if "envelopes" not in item:
            return LedgerEntry(done=True)
        kept = tuple(Envelope.from_wire(wire) for wire in json.loads(item["envelopes"]["S"]))
        return LedgerEntry(done=False, pending=kept)

    def seen(self, key: str) -> bool:
        """`key` was handled and its events published."""
        entry = self.lookup(key)
        return entry is not None and entry.done

    def pending(self, key: str, envelopes: Sequence[Envelope]) -> None:
        """The handler ran: keep the events it produced until they are published."""
        body = json.dumps([e.to_wire() for e in envelopes], separators=(",", ":"))
        self._put(key, {"envelopes": {"S": body}})

    def done(self, key: str) -> None:
        """Its events are out: the delivery is handled."""
        self._put(key, {})

    def mark(self, key: str) -> bool:
        """Record `key` as done; False when it was done (and not expired) already."""
        now = int(self._now())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**self._key(key), **encode({"expires_at": now + self._ttl})},
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR attribute_exists(envelopes)",
                ExpressionAttributeValues=encode({":now": now}),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def outbox_item(self, key: str, envelopes: Sequence[Envelope], *, relay: bool = False) -> dict[str, Any]:
        """The TransactWriteItems action that records `key` as handled, keeping `envelopes` (if any) as
        pending, committed with the handler's writes. It fails if another delivery of `key` committed first.
        `relay`: nothing redelivers this delivery if its function dies before publishing (an API command, a
        door's arrival), so the item is listed in the relay index until it is done."""
        now = int(self._now())
        item: dict[str, Any] = {**self._key(key), **encode({"expires_at": now + self._ttl})}
        if envelopes:
            item["envelopes"] = {"S": json.dumps([e.to_wire() for e in envelopes], separators=(",", ":"))}
            if relay:
                item[RELAY_ATTRIBUTE] = {"S": self.relay_partition}
                item["committed_at"] = {"N": str(now)}
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                "ExpressionAttributeValues": encode({":now": now}),
            }
        }

    @property
    def relay_partition(self) -> str:
        return f"{self._namespace}#relay"

    def stranded(self, older_than: float) -> list[tuple[str, tuple[Envelope, ...]]]:
        """(key, pending events) of this namespace's relayed items committed more than `older_than` seconds
        ago and still not done (their function died between the commit and PutEvents)."""
        items = pages(
            self._client,
            "query",
            TableName=self._table,
            IndexName=RELAY_INDEX,
            KeyConditionExpression=f"{RELAY_ATTRIBUTE} = :p",
            ExpressionAttributeValues=encode({":p": self.relay_partition}),
        )
        prefix = f"{self._namespace}#"
        found = []
        for listed in items:  # the index holds keys only, and is eventually consistent: the item decides
            key = listed["pk"]["S"].removeprefix(prefix)
            item = self._client.get_item(TableName=self._table, Key=self._key(key), ConsistentRead=True).get("Item")
            if item is None or "envelopes" not in item:
                continue
            if int(item.get("committed_at", {}).get("N", "0")) > self._now() - older_than:
                continue  # maybe still in flight
            entry = self.lookup(key)
            if entry is not None and not entry.done:
                found.append((key, entry.pending))
        return found

    def _put(self, key: str, attributes: dict[str, Any]) -> None:
        expires = {"expires_at": {"N": str(int(self._now()) + self._ttl)}}
        self._client.put_item(TableName=self._table, Item={**self._key(key), **expires, **attributes})


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

    # Not through the codec: its JSON mode has no lossless bytes. SQLite keeps the same fields as BLOB columns.

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
        stored = to_item(item, pk=FEED_PARTITION, sk=sort_key, expires_at=expires)
        self._client.put_item(TableName=self._table, Item=stored)

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
        return [from_item(FeedItem, item) for item in reversed(response.get("Items", []))]
