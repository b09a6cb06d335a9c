"""Steps of secrets.feature."""

from __future__ import annotations

import json
import logging

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from features import queries as q
from sim.world import WorldLike

scenarios("secrets.feature")


@given("log records of every level are kept")
def keep_every_log_record(caplog: pytest.LogCaptureFixture) -> None:
    """Debug records too: a secret must not reach a log at any level."""
    caplog.set_level(logging.DEBUG)


@given(parsers.parse('codertocat stores the {env_type} secret {secret} of "{name}" as "{value}"'))
def store_secret(world: WorldLike, env_type: str, secret: str, name: str, value: str) -> None:
    """Through the API, then everything settles."""
    world.create_secret(q.app_named(world, name).id, env_type, secret, value)
    world.run()


@then(parsers.parse('fly.io gave the preview of "{name}" for pull request #{pr:d} the secret {secret} = "{value}"'))
def fly_got_secret(world: WorldLike, name: str, pr: int, secret: str, value: str) -> None:
    """The runtime decrypted it at deploy time and handed it to fly.io, and only the preview's."""
    env = q.live_preview(world, name, pr)
    secrets = world.flyio.apps["wc-" + env.id.replace("_", "-")].secrets
    # beside the app's secrets, the runtime's own: the installation token the agent clones with
    assert {k: v for k, v in secrets.items() if not k.startswith("WINGCLOUD_")} == {secret: value}
    assert set(secrets) - {secret} == {"WINGCLOUD_GIT_TOKEN"}


@then(
    parsers.parse(
        'the machine of the preview of "{name}" for pull request #{pr:d} names the secret {secret} without its value'
    )
)
def machine_names_secret(world: WorldLike, name: str, pr: int, secret: str) -> None:
    """The machine spec carries secret names only."""
    env = q.live_preview(world, name, pr)
    fly_app = world.flyio.apps["wc-" + env.id.replace("_", "-")]
    [spec] = fly_app.specs.values()
    assert spec.secret_names == (secret,)
    assert all(secret not in value for value in spec.env.values())


@then(parsers.parse('no published event, trace record, dead letter, log or feed item contains "{value}"'))
def nowhere(world: WorldLike, caplog: pytest.LogCaptureFixture, value: str) -> None:
    """Secrets never travel on the bus or land in a record a human reads."""
    ours = [r for r in caplog.records if not r.name.startswith("pytest_bdd")]  # it logs the step text itself
    assert all(value not in r.getMessage() for r in ours)
    assert value not in json.dumps([e.to_wire() for e in world.events()])
    assert value not in repr(world.trace())
    assert value not in repr(world.dead_letters())
    assert value not in repr(world.feed())
    assert all(value not in world.logs(env.id) for env in world.environments())
    assert all(value not in repr(call) for call in world.flyio.calls)


@then("the secret store holds neither value in plaintext")
def no_plaintext_at_rest(world: WorldLike) -> None:
    """Only ciphertext and wrapped keys are stored."""
    stored = world.stored_secret_bytes()
    assert len(stored) == 2
    assert all(b"s3cr3t" not in blob for blob in stored)


@then(parsers.parse('the secrets of "{name}" are listed masked'))
def listed_masked(world: WorldLike, name: str) -> None:
    """The API lists names and environment types, never values."""
    views = world.list_secrets(q.app_named(world, name).id)
    assert sorted((v.name, v.environment_type.value) for v in views) == [
        ("API_TOKEN", "preview"),
        ("API_TOKEN", "production"),
    ]
    assert all(set(v.value) == {"•"} for v in views)


@then(parsers.parse("SecretCreated was published {count:d} times, naming {secret} only"))
def secret_events(world: WorldLike, count: int, secret: str) -> None:
    """The events carry the name, never the value."""
    created = q.details(world, "SecretCreated")
    assert len(created) == count
    assert all({k for k in d if k != "metadata"} == {"app_id", "environment_type", "name"} for d in created)
    assert {d["name"] for d in created} == {secret}


@when(parsers.parse('the app "{name}" is deleted'))
def delete_the_app(world: WorldLike, name: str) -> None:
    world.delete_app(q.app_named(world, name).id)
    world.run()


@then("the secret store holds no secret any more")
def no_secret_left(world: WorldLike) -> None:
    """A deleted app's secrets were once left behind for good, readable by nothing."""
    assert world.stored_secret_bytes() == []


@when(parsers.parse('codertocat changes the {env_type} secret {secret} of "{name}" to "{value}"'))
def change_secret(world: WorldLike, env_type: str, secret: str, name: str, value: str) -> None:
    world.create_secret(q.app_named(world, name).id, env_type, secret, value)
    world.run()


@then("no deploy was requested after the change")
def no_deploy_after_change(world: WorldLike) -> None:
    """Decided (docs/decisions/0011-edge-cases.md): a secret change does not redeploy by itself."""
    events = [e.detail_type for e in world.events()]
    last_change = max(i for i, t in enumerate(events) if t == "SecretCreated")
    assert "EnvironmentDeployRequested" not in events[last_change:]


@when(parsers.parse('codertocat asks to redeploy the preview of "{name}" for pull request #{pr:d}'))
def redeploy_preview(world: WorldLike, name: str, pr: int) -> None:
    world.request_redeploy(q.live_preview(world, name, pr).id, "codertocat")
    world.run()
