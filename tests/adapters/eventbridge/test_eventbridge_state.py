"""One contract suite for the state ports, run against the simulator's fakes and the DynamoDB / S3 / KMS
implementations on the moto server; tables are made per test from the template's own definitions."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.eventbridge.function.state import (
    DynamoApps,
    DynamoEnvironments,
    DynamoFeed,
    DynamoKeyValue,
    DynamoLedger,
    DynamoSecretStore,
    KmsKeyService,
    S3BlobStore,
)
from adapters.eventbridge.function.state._items import decode, from_item, to_item
from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.stack.deploy import Deployment
from adapters.eventbridge.stack.template import build
from adapters.eventbridge.stack.topology import STORES
from adapters.local.db import Database
from adapters.local.store import SqliteEnvironments
from events import models
from events.models import EnvironmentStatus, EnvironmentType
from ports.codec import to_data
from ports.values import App, Environment, FeedItem, StoredSecret
from sim.bus import MemoryUnit
from sim.fakes import (
    FakeBlobStore,
    FakeKeyService,
    MemoryApps,
    MemoryEnvironments,
    MemoryFeed,
    MemoryKeyValue,
    MemorySecretStore,
)
from spec.contract import Contract

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
BACKENDS = ["memory", "aws"]


@pytest.fixture
def table(aws: AwsClients, contract: Contract) -> Any:
    """Make a fresh table shaped as the template's store `name`; returns its name."""

    def make(store: str) -> str:
        properties = build(contract)["Resources"][STORES[store].logical_id]["Properties"]
        name = f"{store}-{uuid.uuid4().hex[:8]}"
        indexes = (
            {"GlobalSecondaryIndexes": properties["GlobalSecondaryIndexes"]}
            if "GlobalSecondaryIndexes" in properties
            else {}
        )
        aws("dynamodb").create_table(
            TableName=name,
            BillingMode=properties["BillingMode"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            KeySchema=properties["KeySchema"],
            **indexes,
        )
        return name

    return make


def app(app_id: str = "app_1", repository: str = "Codertocat/Hello-World", **changes: Any) -> App:
    base = App(app_id, "hello", "octocat", repository, "main", "main.w", 1, T0 + timedelta(seconds=int(app_id[-1])))
    return replace(base, **changes)


def env(env_id: str = "env_1", **changes: Any) -> Environment:
    base = Environment(
        env_id,
        "app_1",
        EnvironmentType.preview,
        "Codertocat/Hello-World",
        "feature",
        "a" * 40,
        EnvironmentStatus.initializing,
        T0,
        T0,
        pr_number=2,
        endpoints=(models.Endpoint(label="web", url="https://x.wingcloud.test"),),
        test_results=(models.TestResult(path="main.test.w", passed=False, error="boom"),),
    )
    return replace(base, **changes)


@pytest.fixture(params=BACKENDS)
def apps(request: pytest.FixtureRequest, table: Any, aws: AwsClients) -> Any:
    return MemoryApps() if request.param == "memory" else DynamoApps(aws("dynamodb"), table("apps"))


@pytest.fixture(params=BACKENDS)
def environments(request: pytest.FixtureRequest, table: Any, aws: AwsClients) -> Any:
    if request.param == "memory":
        return MemoryEnvironments()
    return DynamoEnvironments(aws("dynamodb"), table("environments"))


def test_apps_round_trip_replace_and_delete(apps: Any) -> None:
    assert apps.get("app_1") is None
    apps.put(app("app_1"))
    assert apps.get("app_1") == app("app_1")
    apps.put(app("app_1", entrypoint="other.w", last_commit_sha="b" * 40))
    assert apps.get("app_1").entrypoint == "other.w"
    apps.delete("app_1")
    apps.delete("app_1")
    assert apps.get("app_1") is None
    assert apps.list_all() == []


def test_apps_by_repository_is_case_insensitive_and_follows_a_move(apps: Any) -> None:
    apps.put(app("app_1"))
    apps.put(app("app_2", owner="someone-else"))
    apps.put(app("app_3", repository="other/repo"))
    assert [a.id for a in apps.list_by_repository("codertocat/hello-world")] == ["app_1", "app_2"]
    apps.put(app("app_2", repository="other/repo"))
    assert [a.id for a in apps.list_by_repository("Codertocat/Hello-World")] == ["app_1"]
    assert sorted(a.id for a in apps.list_by_repository("OTHER/repo")) == ["app_2", "app_3"]
    assert sorted(a.id for a in apps.list_all()) == ["app_1", "app_2", "app_3"]


def test_environment_create_is_conditional_on_identity(environments: Any) -> None:
    assert environments.create(env("env_1"))
    assert not environments.create(env("env_2")), "same app, type, branch and PR while env_1 is live"
    assert not environments.create(env("env_1", pr_number=9)), "same id"
    assert environments.create(env("env_3", pr_number=3)), "another PR is another identity"
    environments.put(env("env_1", status=EnvironmentStatus.stopped))
    assert environments.create(env("env_4")), "the live one was stopped"
    assert environments.get("env_1").status is EnvironmentStatus.stopped
    assert sorted(e.id for e in environments.list_by_app("app_1")) == ["env_1", "env_3", "env_4"]


def test_environment_put_round_trip_list_and_delete(environments: Any) -> None:
    environments.create(env("env_1"))
    changed = env("env_1", status=EnvironmentStatus.running, deployment_id="dep_1", title="T", error_message=None)
    environments.put(changed)
    assert environments.get("env_1") == changed
    environments.put(env("env_9", app_id="app_2", branch="main", pr_number=None, type=EnvironmentType.production))
    assert [e.id for e in environments.list_by_app("app_2")] == ["env_9"]
    assert sorted(e.id for e in environments.list_all()) == ["env_1", "env_9"]
    environments.delete("env_1")
    environments.delete("env_1")
    assert environments.get("env_1") is None
    assert environments.create(env("env_5")), "deleting the live environment frees its identity"


@pytest.fixture(params=[*BACKENDS, "sqlite"])
def any_environments(request: pytest.FixtureRequest, table: Any, aws: AwsClients, tmp_path: Path) -> Any:
    """The environments store of every backend: the simulator's, DynamoDB's and the local server's."""
    if request.param == "sqlite":
        return SqliteEnvironments(Database(tmp_path / "state.sqlite3").connection)
    if request.param == "memory":
        return MemoryEnvironments()
    return DynamoEnvironments(aws("dynamodb"), table("environments"))


def test_the_previews_of_a_pull_request_are_its_apps_previews_of_that_number_oldest_first(
    any_environments: Any,
) -> None:
    store = any_environments
    store.put(env("env_b", created_at=T0 + timedelta(minutes=2), status=EnvironmentStatus.stopped))
    store.put(env("env_a", created_at=T0 + timedelta(minutes=1)))
    store.put(env("env_c", branch="other", created_at=T0))  # the same PR, another head branch
    store.put(env("env_d", pr_number=3))  # another pull request
    store.put(env("env_e", app_id="app_2"))  # another app's preview of the same number
    store.put(env("env_f", type=EnvironmentType.production, pr_number=None, branch="main"))
    assert [e.id for e in store.list_previews("app_1", 2)] == ["env_c", "env_a", "env_b"]
    assert [e.id for e in store.list_previews("app_1", 3)] == ["env_d"]
    assert store.list_previews("app_1", 4) == [] and store.list_previews("app_3", 2) == []


class _Interleaved:
    """A DynamoDB client whose first write lets `rival` run to completion first: the worst interleaving of two
    creates (everything this create read is stale by the time it writes)."""

    _WRITES = frozenset({"put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"})

    def __init__(self, client: Any, rival: Any) -> None:
        self._client, self._rival = client, rival
        self.rival_result: object = None

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name not in self._WRITES or self._rival is None:
            return method

        def write(**kwargs: Any) -> Any:
            rival, self._rival = self._rival, None
            self.rival_result = rival()
            return method(**kwargs)

        return write


@pytest.mark.parametrize("rival_id", ["env_2", "env_1"], ids=["another-create", "a-redelivery"])
def test_a_create_overtaken_by_a_rival_for_its_identity_loses(table: Any, aws: AwsClients, rival_id: str) -> None:
    # Not threads against moto: moto_server serves requests on threads and its TransactWriteItems takes no lock
    # (a failing transaction even restores a deep copy of the table taken before it began), so a threaded race
    # there tests moto. Real DynamoDB transactions are serializable; the worst interleaving is replayed here.
    name = table("environments")
    rival = DynamoEnvironments(aws("dynamodb"), name)
    racing = _Interleaved(aws("dynamodb"), lambda: rival.create(env(rival_id)))
    assert DynamoEnvironments(racing, name).create(env("env_1")) is False
    assert racing.rival_result is True
    assert [e.id for e in rival.list_by_app("app_1")] == [rival_id]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_ledger_records_a_handled_parcel_once(backend: str, table: Any, aws: AwsClients) -> None:
    """The kernel's record of what a target handled: in memory (the simulator's unit), on DynamoDB."""
    if backend == "memory":
        unit = MemoryUnit(ports=None, ledger=set())  # type: ignore[arg-type]
        seen = unit.handled

        def mark(target: str, key: str) -> bool:
            first = not unit.handled(target, key)
            unit.complete([], target=target, key=key)
            return first

    else:
        ledger = DynamoLedger(aws("dynamodb"), table("ledger"), "apps")

        def seen(target: str, key: str) -> bool:
            return ledger.seen(f"{target}#{key}")

        def mark(target: str, key: str) -> bool:
            return ledger.mark(f"{target}#{key}")

    assert not seen("apps--BranchPushed", "evt_1")
    assert mark("apps--BranchPushed", "evt_1")
    assert seen("apps--BranchPushed", "evt_1") and not mark("apps--BranchPushed", "evt_1")
    assert not seen("apps--BranchPushed", "evt_2") and not seen("environments--BranchPushed", "evt_1")


def test_ledger_keys_are_per_service_and_expire(table: Any, aws: AwsClients) -> None:
    name, now = table("ledger"), [1_000_000.0]
    apps = DynamoLedger(aws("dynamodb"), name, "apps", ttl_seconds=60, now=lambda: now[0])
    logs = DynamoLedger(aws("dynamodb"), name, "logs", ttl_seconds=60, now=lambda: now[0])
    assert apps.mark("evt_1") and logs.mark("evt_1")
    item = aws("dynamodb").get_item(TableName=name, Key={"pk": {"S": "apps#evt_1"}})["Item"]
    assert item["expires_at"] == {"N": str(1_000_060)}
    now[0] += 59
    assert apps.seen("evt_1") and not apps.mark("evt_1")
    now[0] += 2  # expired but maybe not yet deleted by DynamoDB: counts as absent
    assert not apps.seen("evt_1") and apps.mark("evt_1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_key_value(backend: str, table: Any, aws: AwsClients) -> None:
    kv = MemoryKeyValue() if backend == "memory" else DynamoKeyValue(aws("dynamodb"), table("kv"), "github")
    assert kv.get("comment:1") is None
    kv.put("comment:1", "42")
    kv.put("comment:1", "43")
    assert kv.get("comment:1") == "43"


@pytest.mark.parametrize("backend", BACKENDS)
def test_secret_store_keeps_bytes(backend: str, table: Any, aws: AwsClients) -> None:
    store = MemorySecretStore() if backend == "memory" else DynamoSecretStore(aws("dynamodb"), table("secrets"))
    secret = StoredSecret("app_1", EnvironmentType.preview, "TOKEN", b"\x00\xffcipher", b"\x01wrapped", T0)
    other = replace(secret, environment_type=EnvironmentType.production, name="A")
    store.put(secret)
    store.put(other)
    assert store.get("app_1", "preview", "TOKEN") == secret
    assert store.get("app_1", "preview", "NOPE") is None
    assert store.list("app_1") == [secret, other]  # ordered by environment type, then name
    assert store.delete("app_1", "preview", "TOKEN")
    assert not store.delete("app_1", "preview", "TOKEN")


@pytest.mark.parametrize("backend", BACKENDS)
def test_feed_keeps_the_latest_oldest_first(backend: str, table: Any, aws: AwsClients) -> None:
    feed = MemoryFeed() if backend == "memory" else DynamoFeed(aws("dynamodb"), table("feed"))
    for i in range(5):
        feed.push(FeedItem("EnvironmentStatusChanged", f"env_{i}", "running", T0 + timedelta(seconds=i), {"n": i}))
    assert [item.subject for item in feed.recent(3)] == ["env_2", "env_3", "env_4"]
    assert feed.recent(0) == []
    assert feed.recent()[0].data == {"n": 0}


@pytest.mark.parametrize("backend", BACKENDS)
def test_blob_store_appends_and_purges_by_prefix(backend: str, aws: AwsClients, stack: Deployment) -> None:
    if backend == "memory":
        blobs: Any = FakeBlobStore()
    else:
        blobs = S3BlobStore(aws("s3"), stack.stores["logs"])
    root = f"logs/{uuid.uuid4().hex}"
    blobs.append(f"{root}/deploy", b"one ")
    blobs.append(f"{root}/deploy", b"two")
    blobs.append(f"{root}/deploy/nested", b"other")
    assert blobs.get(f"{root}/deploy") == b"one two"
    assert blobs.get(f"{root}/missing") is None
    assert blobs.delete_prefix(f"{root}/") == 2
    assert blobs.get(f"{root}/deploy") is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_key_service_wraps_data_keys(backend: str, aws: AwsClients, stack: Deployment) -> None:
    keys: Any = FakeKeyService() if backend == "memory" else KmsKeyService(aws("kms"), stack.stores["keys"])
    plaintext, wrapped = keys.generate_data_key()
    assert len(plaintext) == 32 and plaintext not in wrapped
    assert keys.unwrap(wrapped) == plaintext


def test_items_go_through_the_shared_codec_and_back() -> None:
    # Decision 0004: one codec per value. DynamoDB's own needs (numbers as N, never a float) are met in _items.
    value = env("env_1", title="", deployment_id="dep_1")
    item = to_item(value, pk="env#env_1", sk="env")
    assert {k: v for k, v in decode(item).items() if k not in ("pk", "sk")} == to_data(value)
    assert item["pr_number"] == {"N": "2"} and item["title"] == {"S": ""}
    assert from_item(Environment, item) == value
    feed_item = FeedItem("RuntimeStatusReported", "env_1", "", T0, {"seconds": 1.5, "count": 3, "none": None})
    stored = to_item(feed_item)
    assert stored["data"]["M"]["seconds"] == {"N": "1.5"}
    assert from_item(FeedItem, stored) == feed_item


@pytest.mark.parametrize("backend", BACKENDS)
def test_feed_keeps_numbers_and_empty_strings(backend: str, table: Any, aws: AwsClients) -> None:
    feed = MemoryFeed() if backend == "memory" else DynamoFeed(aws("dynamodb"), table("feed"))
    item = FeedItem("RuntimeStatusReported", "env_1", "", T0, {"seconds": 1.5, "count": 3, "label": ""})
    feed.push(item)
    assert feed.recent() == [item]
