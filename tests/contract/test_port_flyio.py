"""The `FlyIO` port's contract, run against the simulator's fake and the real Machines client over an emulator."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from adapters.flyio import FlyIOError, FlyIOUnavailableError, Guest, MachinesClient
from adapters.flyio.client import machine_name
from ports import FlyIO, MachineSpec
from tests.contract.flyio_api import MachinesEmulator, OpenAPIRequests

REGION = "ord"


@pytest.fixture
def emulator() -> MachinesEmulator:
    return MachinesEmulator()


@pytest.fixture
def real(emulator: MachinesEmulator) -> MachinesClient:
    http = httpx.Client(transport=httpx.MockTransport(emulator.handle))
    return MachinesClient("fly-token", "wingcloud", region=REGION, client=http)


def _fake() -> FlyIO:
    from sim.fakes import FakeFlyIO

    return FakeFlyIO()


@pytest.fixture(params=["fake", "real"])
def flyio(request: pytest.FixtureRequest) -> FlyIO:
    factories: dict[str, Callable[[], FlyIO]] = {"fake": _fake, "real": lambda: request.getfixturevalue("real")}
    return factories[request.param]()


def apps_of(flyio: FlyIO, request: pytest.FixtureRequest) -> dict[str, int]:
    """What fly.io holds after the calls, seen from outside the port: app name -> number of machines."""
    if isinstance(flyio, MachinesClient):
        emulator: MachinesEmulator = request.getfixturevalue("emulator")
        return {name: len(app["machines"]) for name, app in emulator.apps.items()}
    from sim.fakes import FakeFlyIO

    assert isinstance(flyio, FakeFlyIO)
    return {name: len(app.specs) for name, app in flyio.apps.items()}


def _spec(app: str = "wc-env-1") -> MachineSpec:
    return MachineSpec(app_name=app, image="registry.fly.io/wingcloud-runtime:1", env={"ENTRYPOINT": "main.w"})


# --- the contract ------------------------------------------------------------------------------------------


def test_ensure_app_is_idempotent(flyio: FlyIO, request: pytest.FixtureRequest) -> None:
    flyio.ensure_app("wc-env-1")
    flyio.run_machine(_spec(), "dep_1")
    flyio.ensure_app("wc-env-1")  # again: the app and its machine are kept, no second app
    assert apps_of(flyio, request) == {"wc-env-1": 1}


def test_the_same_idempotency_key_returns_the_same_machine(flyio: FlyIO) -> None:
    flyio.ensure_app("wc-env-1")
    first = flyio.run_machine(_spec(), "dep_1")
    assert flyio.run_machine(_spec(), "dep_1") == first


def test_another_idempotency_key_starts_another_machine(flyio: FlyIO) -> None:
    flyio.ensure_app("wc-env-1")
    assert flyio.run_machine(_spec(), "dep_1") != flyio.run_machine(_spec(), "dep_2")


def test_destroying_one_machine_keeps_the_others_and_twice_is_fine(flyio: FlyIO) -> None:
    flyio.ensure_app("wc-env-1")
    first = flyio.run_machine(_spec(), "dep_1")
    second = flyio.run_machine(_spec(), "dep_2")
    flyio.destroy_machine("wc-env-1", first)
    flyio.destroy_machine("wc-env-1", first)
    assert flyio.run_machine(_spec(), "dep_2") == second


def test_destroying_a_missing_app_is_not_an_error(flyio: FlyIO, request: pytest.FixtureRequest) -> None:
    flyio.ensure_app("wc-env-1")
    flyio.destroy_app("wc-never-created")
    assert apps_of(flyio, request) == {"wc-env-1": 0}  # and nothing else was touched


def test_an_app_can_be_destroyed_twice_and_created_again(flyio: FlyIO, request: pytest.FixtureRequest) -> None:
    flyio.ensure_app("wc-env-1")
    flyio.set_secrets("wc-env-1", {"API_KEY": "v"})
    flyio.run_machine(_spec(), "dep_1")
    flyio.destroy_app("wc-env-1")
    assert apps_of(flyio, request) == {}
    flyio.destroy_app("wc-env-1")
    flyio.ensure_app("wc-env-1")
    assert apps_of(flyio, request) == {"wc-env-1": 0}  # a new app: the old one's machines are gone


# --- the real client against the emulator, which checks every body against fly.io's description -----------


def _deployment(app: str = "wc-env-1", deployment: str = "dep_1") -> MachineSpec:
    return MachineSpec(
        app_name=app,
        image="registry.fly.io/wingcloud-runtime:1",
        env={"ENTRYPOINT": "main.w", "DEPLOYMENT_ID": deployment},
        secret_names=("API_KEY",),
        metadata={"environment_id": "env_1", "deployment_id": deployment},
    )


def test_every_body_the_client_sends_is_one_fly_io_describes(real: MachinesClient, emulator: MachinesEmulator) -> None:
    real.ensure_app("wc-env-1")
    real.set_secrets("wc-env-1", {"API_KEY": "k", "WINGCLOUD_GIT_TOKEN": "ghs_1"})
    real.run_machine(_deployment(), "dep_1")
    assert emulator.checked == ["Apps_create", "Secrets_update", "Volumes_create", "Machines_create"]


@pytest.mark.parametrize(
    ("method", "path", "body", "error"),
    [
        ("POST", "/v1/apps", {"app_name": "wc-x", "org_slug": "o"}, "'app_name' was unexpected"),
        ("POST", "/v1/apps/wc-x/volumes", {"name": "wing_state", "region": "ord", "size_gb": "1"}, "size_gb"),
        ("POST", "/v1/apps/wc-x/machines", {"config": {"guest": {"cpus": 1, "memory": 1024}}}, "'memory' was"),
        ("POST", "/v1/apps/wc-x/machines", {"config": {"restart": {"policy": "never"}}}, "'never' is not one of"),
        ("POST", "/v1/apps/wc-x/secrets", {"values": {"A": 1}}, "values/A: 1 is not of type 'string'"),
    ],
)
def test_the_description_refuses_what_fly_io_would_drop_or_refuse(
    method: str, path: str, body: object, error: str
) -> None:
    """The checker is strict: undocumented fields (fly.io drops them silently) and wrong types fail."""
    assert any(error in message for message in OpenAPIRequests().errors(method, path, body))


def test_the_machine_runs_the_agent_behind_fly_io_s_proxy_with_tls_and_a_health_check(
    real: MachinesClient, emulator: MachinesEmulator
) -> None:
    real.ensure_app("wc-env-1")
    real.run_machine(_deployment(), "dep_1")
    [machine] = emulator.apps["wc-env-1"]["machines"]
    config = machine["config"]
    [service] = config["services"]
    assert (service["protocol"], service["internal_port"]) == ("tcp", 8080)
    assert service["ports"] == [
        {"port": 443, "handlers": ["tls", "http"]},
        {"port": 80, "handlers": ["http"], "force_https": True},
    ]
    [check] = service["checks"]
    assert (check["type"], check["port"], check["path"]) == ("http", 8080, "/.wingcloud/health")
    assert config["checks"] == {"agent": check}
    assert config["restart"] == {"policy": "no"}
    assert config["guest"] == {"cpu_kind": "shared", "cpus": 1, "memory_mb": 1024}
    assert (machine["name"], machine["region"], config["image"]) == (
        "dep-1",
        REGION,
        "registry.fly.io/wingcloud-runtime:1",
    )
    assert config["metadata"] == {"environment_id": "env_1", "deployment_id": "dep_1"}


def test_the_agent_learns_where_it_serves_and_keeps_its_state(real: MachinesClient, emulator: MachinesEmulator) -> None:
    real.ensure_app("wc-env-1")
    real.run_machine(_deployment(), "dep_1")
    [machine] = emulator.apps["wc-env-1"]["machines"]
    env = machine["config"]["env"]
    assert env["ENTRYPOINT"] == "main.w" and env["DEPLOYMENT_ID"] == "dep_1"  # the deployment's own
    assert env["WINGCLOUD_PROXY_PORT"] == "8080"
    assert env["WINGCLOUD_ENDPOINT_URL"] == "https://wc-env-1.fly.dev/{label}/"
    assert (env["WINGCLOUD_WORK_DIR"], env["WINGCLOUD_CACHE_DIR"]) == ("/data/work", "/data/cache")
    assert env["WINGCLOUD_SECRET_NAMES"] == "API_KEY"
    [volume] = emulator.apps["wc-env-1"]["volumes"]
    assert (volume["name"], volume["region"], volume["size_gb"]) == ("wing_state", REGION, 1)
    assert machine["config"]["mounts"] == [{"volume": volume["id"], "path": "/data"}]


def test_the_size_of_machines_and_volumes_is_the_client_s_setting(emulator: MachinesEmulator) -> None:
    http = httpx.Client(transport=httpx.MockTransport(emulator.handle))
    guest = Guest(cpus=2, memory_mb=2048, cpu_kind="performance")
    client = MachinesClient("fly-token", "o", region="ams", guest=guest, volume_gb=3, client=http)
    client.ensure_app("wc-env-1")
    client.run_machine(_deployment(), "dep_1")
    [machine], [volume] = emulator.apps["wc-env-1"]["machines"], emulator.apps["wc-env-1"]["volumes"]
    assert machine["config"]["guest"] == {"cpu_kind": "performance", "cpus": 2, "memory_mb": 2048}
    assert (volume["size_gb"], volume["region"], machine["region"]) == (3, "ams", "ams")


def test_a_retry_after_a_crash_mounts_the_volume_the_first_attempt_created(
    real: MachinesClient, emulator: MachinesEmulator
) -> None:
    real.ensure_app("wc-env-1")
    emulator.apps["wc-env-1"]["volumes"].append(
        {"id": "vol_left", "name": "wing_state", "region": REGION, "state": "created", "attached_machine_id": ""}
    )
    real.run_machine(_deployment(), "dep_1")
    assert ("POST", "/v1/apps/wc-env-1/volumes") not in emulator.requests
    assert emulator.apps["wc-env-1"]["machines"][0]["config"]["mounts"][0]["volume"] == "vol_left"


@pytest.mark.parametrize(
    "taken",
    [
        {"attached_machine_id": "m_old"},  # a volume mounts on one machine at a time
        {"region": "syd"},  # a machine mounts volumes of its own region only
        {"state": "pending_destroy"},
        {"name": "other"},
    ],
)
def test_a_volume_that_cannot_serve_this_machine_is_left_alone(
    real: MachinesClient, emulator: MachinesEmulator, taken: dict[str, str]
) -> None:
    real.ensure_app("wc-env-1")
    volume = {"id": "vol_x", "name": "wing_state", "region": REGION, "state": "created", "attached_machine_id": ""}
    emulator.apps["wc-env-1"]["volumes"].append({**volume, **taken})
    real.run_machine(_deployment(), "dep_1")
    assert emulator.apps["wc-env-1"]["machines"][0]["config"]["mounts"][0]["volume"] != "vol_x"


def test_a_redeploy_beside_the_running_machine_gets_its_own_volume(
    real: MachinesClient, emulator: MachinesEmulator
) -> None:
    real.ensure_app("wc-env-1")
    real.run_machine(_deployment(deployment="dep_1"), "dep_1")
    real.run_machine(_deployment(deployment="dep_2"), "dep_2")
    mounted = [m["config"]["mounts"][0]["volume"] for m in emulator.apps["wc-env-1"]["machines"]]
    assert len(set(mounted)) == 2 and len(emulator.apps["wc-env-1"]["volumes"]) == 2


def test_a_retired_machine_frees_its_volume_for_the_next_deployment(
    real: MachinesClient, emulator: MachinesEmulator
) -> None:
    real.ensure_app("wc-env-1")
    first = real.run_machine(_deployment(deployment="dep_1"), "dep_1")
    real.run_machine(_deployment(deployment="dep_2"), "dep_2")
    real.destroy_machine("wc-env-1", first)
    real.destroy_machine("wc-env-1", first)  # again: already gone is fine
    assert [m["name"] for m in emulator.apps["wc-env-1"]["machines"]] == ["dep-2"]
    real.run_machine(_deployment(deployment="dep_3"), "dep_3")
    assert len(emulator.apps["wc-env-1"]["volumes"]) == 2  # dep_3 mounts the volume dep_1 held


def test_without_a_region_no_machine_is_started_and_the_message_names_the_setting(emulator: MachinesEmulator) -> None:
    http = httpx.Client(transport=httpx.MockTransport(emulator.handle))
    client = MachinesClient("fly-token", "o", client=http)
    with pytest.raises(FlyIOError, match="WINGCLOUD_FLY_REGION") as caught:
        client.run_machine(_deployment(), "dep_1")
    assert not isinstance(caught.value, FlyIOUnavailableError) and emulator.requests == []


def test_a_new_machine_waits_for_the_secrets_just_set(real: MachinesClient, emulator: MachinesEmulator) -> None:
    real.ensure_app("wc-env-1")
    real.set_secrets("wc-env-1", {"A": "1"})
    real.set_secrets("wc-env-1", {"WINGCLOUD_GIT_TOKEN": "ghs_2"})
    real.run_machine(_deployment(), "dep_1")
    assert emulator.apps["wc-env-1"]["machines"][0]["min_secrets_version"] == 2


def test_secret_values_stay_out_of_the_machine_config(real: MachinesClient, emulator: MachinesEmulator) -> None:
    real.ensure_app("wc-env-1")
    real.set_secrets("wc-env-1", {"API_KEY": "k-value", "WINGCLOUD_GIT_TOKEN": "ghs_value"})
    real.run_machine(_deployment(), "dep_1")
    config = repr(emulator.apps["wc-env-1"]["machines"])
    assert "k-value" not in config and "ghs_value" not in config
    assert emulator.apps["wc-env-1"]["secrets"] == {"API_KEY": "k-value", "WINGCLOUD_GIT_TOKEN": "ghs_value"}


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
        if request.method == "GET":
            return httpx.Response(200, json=[])
        if request.url.path.endswith("/volumes"):
            return httpx.Response(200, json={"id": "vol_1"})
        return httpx.Response(422, text="invalid image")

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(FlyIOError, match=r"POST /apps/wc-x/machines answered 422: invalid image") as caught:
        MachinesClient("t", "o", region=REGION, client=http).run_machine(_spec("wc-x"), "dep_1")
    assert not isinstance(caught.value, FlyIOUnavailableError)
