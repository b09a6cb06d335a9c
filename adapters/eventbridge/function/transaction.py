"""One DynamoDB transaction per delivery: the handler's writes and its outbox item commit together, or not at all.

`TransactionalDynamo` stands where the state ports expect a boto3 DynamoDB client. Outside a transaction it
passes every call through. Inside one (`begin()`), writes are kept instead of sent, and reads see them
(read-your-writes): `get_item` from the kept item, `query`/`scan` merged with the kept items of the table. A
write's condition is checked at once against what the transaction sees, so a port that asks "did my
conditional create win?" gets its answer now. `commit(extra)` sends everything in one `TransactWriteItems`:
each written item as a Put (or Delete) of its final state, fenced by its revision (`rev`, bumped on every
commit) so that a concurrent writer in between cancels the whole transaction and the delivery is retried.

Limits (DynamoDB, "TransactWriteItems"): at most 100 actions, 4 MB in all, one action per item; an item at
most 400 KB. What the ports send is a small known set of expressions; anything else raises
`UnsupportedWriteError` naming it rather than being guessed at.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

Item = dict[str, Any]
REVISION = "rev"
MAX_ACTIONS = 100
_EXISTS = re.compile(r"^attribute_(not_)?exists\((\w+)\)$")
_KEY_EQUALS = re.compile(r"^(pk|sk) = (:\w+)$")
_SET_UPDATE = re.compile(r"^(ADD|DELETE) (\w+) (:\w+)$")


class UnsupportedWriteError(NotImplementedError):
    """A port sent an expression or operation the transaction cannot keep; names it."""


class TooManyWritesError(ValueError):
    """One delivery wrote more items than one DynamoDB transaction takes."""


@dataclass
class _Touched:
    table: str
    key: Item
    before: Item | None  # as read from the table when the transaction first touched it
    after: Item | None
    written: bool = False
    checked: bool = False
    read: bool = True  # False: first touched by an unconditional Put, which needs no read and no fence


@dataclass
class Transaction:
    items: dict[tuple[str, str], _Touched] = field(default_factory=dict)


def key_of(item: Item) -> Item:
    """Every table of the stack is keyed on `pk`, or `pk` and `sk`."""
    return {name: item[name] for name in ("pk", "sk") if name in item}


def _condition_failed(message: str, *, transaction: bool, index: int = 0, size: int = 1) -> ClientError:
    if not transaction:
        return ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": message}}, "PutItem")
    reasons = [{"Code": "ConditionalCheckFailed" if i == index else "None"} for i in range(size)]
    error = {"Error": {"Code": "TransactionCanceledException", "Message": message}, "CancellationReasons": reasons}
    return ClientError(error, "TransactWriteItems")  # type: ignore[arg-type,unused-ignore]


def holds(condition: str | None, item: Item | None) -> bool:
    """Whether `condition` (attribute_exists / attribute_not_exists, joined by AND or OR) holds for `item`."""
    if not condition:
        return True
    for joiner, combine in ((" OR ", any), (" AND ", all)):
        if joiner in condition:
            return combine(holds(part.strip(), item) for part in condition.split(joiner))
    found = _EXISTS.match(condition.strip())
    if not found:
        raise UnsupportedWriteError(f"condition {condition!r}: only attribute_exists / attribute_not_exists")
    exists = item is not None and found.group(2) in item
    return not exists if found.group(1) else exists


def updated(item: Item | None, key: Item, expression: str, values: Item) -> Item:
    """`item` after an `ADD|DELETE <set> :value` update (the only form the ports send)."""
    found = _SET_UPDATE.match(expression.strip())
    if not found:
        raise UnsupportedWriteError(f"update {expression!r}: only ADD/DELETE of a string set")
    action, name, placeholder = found.groups()
    result = copy.deepcopy(item) if item is not None else dict(key)
    members = set(result.get(name, {}).get("SS", []))
    change = set(values[placeholder]["SS"])
    members = members | change if action == "ADD" else members - change
    if members:
        result[name] = {"SS": sorted(members)}
    else:
        result.pop(name, None)  # DynamoDB drops an emptied set
    return result


class TransactionalDynamo:
    """A boto3 DynamoDB client for the state ports (see the module's docstring)."""

    def __init__(self, client: Any) -> None:
        self.raw = client
        self._local = threading.local()
        self.meta = getattr(client, "meta", None)

    # --- the transaction ------------------------------------------------------------------------------

    @property
    def active(self) -> Transaction | None:
        return getattr(self._local, "transaction", None)

    def begin(self) -> Transaction:
        if self.active is not None:
            raise RuntimeError("a delivery's transaction is already open in this thread (deliveries do not nest)")
        self._local.transaction = Transaction()
        return self._local.transaction  # type: ignore[no-any-return]

    def end(self) -> None:
        """Forget what was kept (after a commit, or to roll back)."""
        self._local.transaction = None

    def pending_writes(self) -> int:
        tx = self.active
        return 0 if tx is None else sum(1 for t in tx.items.values() if t.written or t.checked)

    def commit(self, extra: list[Item], on_conflict: Callable[[ClientError], Exception] | None = None) -> None:
        """Send the kept writes and `extra` (the outbox item) in one TransactWriteItems."""
        tx = self.active
        actions = [action for t in (tx.items.values() if tx else ()) if (action := self._action(t)) is not None]
        actions += extra
        if len(actions) > MAX_ACTIONS:
            raise TooManyWritesError(
                f"one delivery wrote {len(actions)} items; a DynamoDB transaction takes at most {MAX_ACTIONS}"
            )
        if not actions:
            return
        try:
            self.raw.transact_write_items(TransactItems=actions, ClientRequestToken=uuid.uuid4().hex)
        except ClientError as error:
            if (
                on_conflict is not None
                and error.response.get("Error", {}).get("Code") == "TransactionCanceledException"
            ):
                raise on_conflict(error) from error
            raise

    def _action(self, touched: _Touched) -> Item | None:
        if not touched.read:  # a blind Put stays blind: last writer wins, as without a transaction
            return {"Put": {"TableName": touched.table, "Item": touched.after}} if touched.after is not None else None
        revision = int(touched.before[REVISION]["N"]) if touched.before and REVISION in touched.before else None
        if touched.before is None:
            fence: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        elif revision is None:
            fence = {"ConditionExpression": f"attribute_exists(pk) AND attribute_not_exists({REVISION})"}
        else:
            fence = {
                "ConditionExpression": f"{REVISION} = :rev",
                "ExpressionAttributeValues": {":rev": {"N": str(revision)}},
            }
        base = {"TableName": touched.table, **fence}
        if touched.written and touched.after is not None:
            item = {**touched.after, REVISION: {"N": str((revision or 0) + 1)}}
            return {"Put": {**base, "Item": item}}
        if touched.written and touched.before is not None:
            return {"Delete": {**base, "Key": touched.key}}
        if touched.written or touched.checked:
            return {"ConditionCheck": {**base, "Key": touched.key}}
        return None

    def _touch(self, tx: Transaction, table: str, key: Item, *, blind: bool = False) -> _Touched:
        """The item as this transaction sees it; read once (consistently) unless a blind Put needs nothing."""
        ident = (table, json.dumps(key, sort_keys=True))
        if ident not in tx.items:
            if blind:
                tx.items[ident] = _Touched(table, key, None, None, read=False)
            else:
                found = self.raw.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
                tx.items[ident] = _Touched(table, key, found, copy.deepcopy(found))
        return tx.items[ident]

    # --- writes ---------------------------------------------------------------------------------------

    def put_item(self, **request: Any) -> Item:
        tx = self.active
        if tx is None:
            return self.raw.put_item(**request)  # type: ignore[no-any-return]
        condition = request.get("ConditionExpression")
        touched = self._touch(tx, request["TableName"], key_of(request["Item"]), blind=not condition)
        if not holds(request.get("ConditionExpression"), touched.after):
            raise _condition_failed("The conditional request failed", transaction=False)
        touched.after, touched.written = dict(request["Item"]), True
        return {}

    def delete_item(self, **request: Any) -> Item:
        tx = self.active
        if tx is None:
            return self.raw.delete_item(**request)  # type: ignore[no-any-return]
        touched = self._touch(tx, request["TableName"], request["Key"])
        if not holds(request.get("ConditionExpression"), touched.after):
            raise _condition_failed("The conditional request failed", transaction=False)
        old, touched.after, touched.written = touched.after, None, True
        return {"Attributes": old} if old is not None and request.get("ReturnValues") == "ALL_OLD" else {}

    def transact_write_items(self, **request: Any) -> Item:
        tx = self.active
        if tx is None:
            return self.raw.transact_write_items(**request)  # type: ignore[no-any-return]
        staged: list[tuple[_Touched, Item | None, bool]] = []
        actions = request["TransactItems"]
        for index, action in enumerate(actions):
            ((kind, body),) = action.items()
            key = key_of(body["Item"]) if kind == "Put" else body["Key"]
            blind = kind == "Put" and not body.get("ConditionExpression")
            touched = self._touch(tx, body["TableName"], key, blind=blind)
            current = next((after for t, after, _ in reversed(staged) if t is touched), touched.after)
            if not holds(body.get("ConditionExpression"), current):
                raise _condition_failed("Transaction cancelled", transaction=True, index=index, size=len(actions))
            if kind == "Put":
                staged.append((touched, dict(body["Item"]), True))
            elif kind == "Delete":
                staged.append((touched, None, True))
            elif kind == "Update":
                after = updated(current, key, body["UpdateExpression"], body.get("ExpressionAttributeValues", {}))
                staged.append((touched, after, True))
            elif kind == "ConditionCheck":
                staged.append((touched, current, False))
            else:
                raise UnsupportedWriteError(f"transaction action {kind!r}")
        for touched, staged_after, write in staged:
            if write:
                touched.after, touched.written = staged_after, True
            else:
                touched.checked = True
        return {}

    def update_item(self, **request: Any) -> Item:
        if self.active is None:
            return self.raw.update_item(**request)  # type: ignore[no-any-return]
        self.transact_write_items(TransactItems=[{"Update": request}])
        return {}

    # --- reads ----------------------------------------------------------------------------------------

    def get_item(self, **request: Any) -> Item:
        tx = self.active
        ident = (request["TableName"], json.dumps(request["Key"], sort_keys=True))
        if tx is None or ident not in tx.items:
            return self.raw.get_item(**request)  # type: ignore[no-any-return]
        after = tx.items[ident].after
        return {"Item": copy.deepcopy(after)} if after is not None else {}

    def query(self, **request: Any) -> Item:
        return self._read("query", "KeyConditionExpression", request)

    def scan(self, **request: Any) -> Item:
        return self._read("scan", "FilterExpression", request)

    def _read(self, operation: str, expression: str, request: Item) -> Item:
        tx = self.active
        table = request["TableName"]
        mine = [t for t in (tx.items.values() if tx else ()) if t.table == table and t.written]
        if not mine:
            return getattr(self.raw, operation)(**request)  # type: ignore[no-any-return]
        found = _KEY_EQUALS.match(str(request.get(expression, "")).strip())
        if not found or request.get("ExclusiveStartKey") or request.get("ProjectionExpression"):
            raise UnsupportedWriteError(f"{operation} {request.get(expression)!r} after a write in the same delivery")
        name, value = found.group(1), request["ExpressionAttributeValues"][found.group(2)]
        unpaged = {k: v for k, v in request.items() if k != "Limit"}
        items: list[Item] = []
        while True:
            page = getattr(self.raw, operation)(**unpaged)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            unpaged["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        keys = {json.dumps(t.key, sort_keys=True) for t in mine}
        merged = [i for i in items if json.dumps(key_of(i), sort_keys=True) not in keys]
        merged += [copy.deepcopy(t.after) for t in mine if t.after is not None and t.after.get(name) == value]
        merged.sort(key=lambda i: i.get("sk", {}).get("S", ""), reverse=request.get("ScanIndexForward") is False)
        return {"Items": merged[: request["Limit"]] if "Limit" in request else merged}

    def __getattr__(self, name: str) -> Any:
        if self.active is not None and name not in ("get_paginator", "meta", "exceptions"):
            raise UnsupportedWriteError(f"DynamoDB {name} inside a delivery's transaction")
        return getattr(self.raw, name)
