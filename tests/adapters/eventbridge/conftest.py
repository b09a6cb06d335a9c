"""A real moto server over HTTP for the EventBridge adapter's tests: one per session, one stack deployed in it.

Everything goes through boto3 to the server's socket; moto's in-process mocks are never used.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.offline.moto import MotoServer, port_is_free
from adapters.eventbridge.offline.stack import OfflineStack
from adapters.eventbridge.stack.deploy import Deployment, deploy
from spec.contract import Contract

REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The endpoint URL of a moto server started for this session; stopped, and its port free, at the end."""
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    with server:
        yield server.endpoint
    assert port_is_free(server.port)


@pytest.fixture(scope="session")
def aws(moto_server: str) -> AwsClients:
    """boto3 clients for the moto server (dummy credentials, one region)."""
    session = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    return AwsClients(session, moto_server)


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract.load()


@pytest.fixture(scope="session")
def stack(aws: AwsClients, contract: Contract) -> Deployment:
    """The generated template deployed once per session; the queues are left to the tests' pump."""
    return deploy(
        contract,
        aws,
        stack_name="wingcloud-test",
        bus_name="wingcloud-test",
        event_source_mappings=False,
        emulator=True,
    )


@pytest.fixture(scope="session")
def offline(contract: Contract, aws: AwsClients, stack: Deployment) -> OfflineStack:
    """The session's stack as the offline harness sees it (function settings, a tap on the bus)."""
    return OfflineStack(contract, aws, stack)


@pytest.fixture
def quiet(offline: OfflineStack) -> OfflineStack:
    """The session's stack with every queue, table and the logs bucket emptied first."""
    offline.reset()
    return offline
