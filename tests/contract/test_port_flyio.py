"""The `FlyIO` port's contract, run against the simulator's fake and the real Machines client over an emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.flyio import FlyIOError, FlyIOUnavailableError, MachinesClient
from adapters.flyio.client import machine_name
from ports import FlyIO, MachineSpec


class MachinesEmulator:
    """Just enough of api.machines.dev/v1: apps, app secrets, machines with names unique per app."""

    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self._next = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        assert request.headers["Authorization"] == "Bearer fly-token"
        parts = request.url.path.removeprefix("/v1/").split("/")
        body = json.loads(request.content) if request.content else {}
        if parts == ["apps"]:
            if body["app_name"] in self.apps:
                return httpx.Response(422, json={"error": "Name has already been taken"})
            self.apps[body["app_name"]] = {"org": body["org_slug"], "secrets": {}, "machines": []}
            return httpx.Response(201, json={"id": body["app_name"]})
        app = self.apps.get(parts[1])
        if app is None:
            return httpx.Response(404, json={"error": "app not found"})
        if len(parts) == 2:
            if request.method == "DELETE":
                del self.apps[parts[1]]
                return httpx.Response(202)
            return httpx.Response(200, json={"name": parts[1]})
        if parts[2] == "secrets":
            app["secrets"].update(body["values"])
            return httpx.Response(200, json={"version": 1})
        if request.method == "GET":
            return httpx.Response(200, json=app["machines"])
        if any(m["name"] == body["name"] for m in app["machines"]):
            return httpx.Response(409, json={"error": "machine name already in use"})
        self._next += 1
        app["machines"].append({"id": f"m{self._next:04d}", "name": body["name"], "config": body["config"]})
        return httpx.Response(200, json=app["machines"][-1])


@pytest.fixture
def emulator() -> MachinesEmulator:
    return MachinesEmulator()


@pytest.fixture
def real(emulator: MachinesEmulator) -> MachinesClient:
    return MachinesClient("fly-token", "wingcloud", client=httpx.Client(transport=httpx.MockTransport(emulator.handle)))


def _fake() -> FlyIO:
    from sim.fakes import FakeFlyIO

    return FakeFlyIO()


@pytest.fixture(params=["fake", "real"])
def flyio(request: pytest.FixtureRequest) -> FlyIO:
    factories: dict[str, Callable[[], FlyIO]] = {"fake": _fake, "real": lambda: request.getfixturevalue("real")}
    return factories[request.param]()


def _spec(app: str = "wc-env-1") -> MachineSpec:
    return MachineSpec(app_name=app, image="ghcr.io/winglang/wing-runtime:latest", env={"ENTRYPOINT": "main.w"})


# --- the contract ------------------------------------------------------------------------------------------


def test_ensure_app_is_idempotent(flyio: FlyIO) -> None:
    flyio.ensure_app("wc-env-1")
    flyio.ensure_app("wc-env-1")


def test_the_same_idempotency_key_returns_the_same_machine(flyio: FlyIO) -> None:
    flyio.ensure_app("wc-env-1")
    first = flyio.run_machine(_spec(), "dep_1")
    assert flyio.run_machine(_spec(), "dep_1") == first


def test_another_idempotency_key_starts_another_machine(flyio: FlyIO) -> None:
    flyio.ensure_app("wc-env-1")
    assert flyio.run_machine(_spec(), "dep_1") != flyio.run_machine(_spec(), "dep_2")


def test_destroying_a_missing_app_is_not_an_error(flyio: FlyIO) -> None:
    flyio.destroy_app("wc-never-created")


def test_an_app_can_be_destroyed_twice_and_created_again(flyio: FlyIO) -> None:
    flyio.ensure_app("wc-env-1")
    flyio.set_secrets("wc-env-1", {"API_KEY": "v"})
    flyio.destroy_app("wc-env-1")
    flyio.destroy_app("wc-env-1")
    flyio.ensure_app("wc-env-1")


# --- the real client against the emulator -----------------------------------------------------------------


def test_the_machine_is_named_after_its_key_and_carries_the_spec(
    real: MachinesClient, emulator: MachinesEmulator
) -> None:
    real.ensure_app("wc-env-1")
    spec = MachineSpec(app_name="wc-env-1", image="img:1", env={"A": "1"}, metadata={"deployment_id": "dep_1"})
    machine_id = real.run_machine(spec, "dep_1")
    [machine] = emulator.apps["wc-env-1"]["machines"]
    assert machine == {
        "id": machine_id,
        "name": "dep-1",
        "config": {"image": "img:1", "env": {"A": "1"}, "metadata": {"deployment_id": "dep_1"}},
    }


def test_a_retry_after_a_crash_finds_the_first_machine_without_creating(
    real: MachinesClient, emulator: MachinesEmulator
) -> None:
    real.ensure_app("wc-env-1")
    first = real.run_machine(_spec(), "dep_1")
    emulator.requests.clear()
    assert real.run_machine(_spec(), "dep_1") == first
    assert emulator.requests == [("GET", "/v1/apps/wc-env-1/machines")]


def test_secrets_are_sent_as_one_values_map(real: MachinesClient, emulator: MachinesEmulator) -> None:
    real.ensure_app("wc-env-1")
    real.set_secrets("wc-env-1", {"API_KEY": "k", "DB_URL": "postgres://x"})
    assert emulator.apps["wc-env-1"]["secrets"] == {"API_KEY": "k", "DB_URL": "postgres://x"}


def test_ensure_app_creates_in_the_configured_org_once(real: MachinesClient, emulator: MachinesEmulator) -> None:
    real.ensure_app("wc-env-1")
    real.ensure_app("wc-env-1")
    assert emulator.apps["wc-env-1"]["org"] == "wingcloud"
    assert emulator.requests.count(("POST", "/v1/apps")) == 1


@pytest.mark.parametrize(("key", "name"), [("dep_1B9", "dep-1b9"), ("a/b c", "a-b-c"), ("___", "machine")])
def test_machine_names_keep_only_what_fly_accepts(key: str, name: str) -> None:
    assert machine_name(key) == name


def test_a_server_error_is_retryable_and_names_the_call() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500, text="boom")))
    with pytest.raises(FlyIOUnavailableError, match=r"GET /apps/wc-x answered 500: boom"):
        MachinesClient("t", "o", client=http).ensure_app("wc-x")


def test_a_refusal_is_the_ports_non_retryable_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[]) if request.method == "GET" else httpx.Response(422, text="invalid image")

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(FlyIOError, match=r"POST /apps/wc-x/machines answered 422: invalid image") as caught:
        MachinesClient("t", "o", client=http).run_machine(_spec("wc-x"), "dep_1")
    assert not isinstance(caught.value, FlyIOUnavailableError)
