"""Secrets: AES-GCM at rest under KMS-wrapped data keys, listed masked, plaintext only for a deploy."""

from __future__ import annotations

from dataclasses import replace

import pytest

from events import SecretCreated, SecretDeleted
from services.secrets import (
    InvalidSecretError,
    SecretDecryptionError,
    create_secret,
    delete_secret,
    list_secrets,
    read_for_deploy,
)
from sim.fakes import Fakes

VALUE = "xoxb-very-secret-value"


def test_a_secret_is_stored_encrypted_and_published_by_name_only() -> None:
    fakes = Fakes()
    [created] = create_secret("app_1", "preview", "SLACK_TOKEN", VALUE, fakes.ports())
    assert created == SecretCreated(app_id="app_1", environment_type="preview", name="SLACK_TOKEN")
    [stored] = fakes.secrets.rows.values()
    assert VALUE.encode() not in stored.ciphertext + stored.wrapped_key
    assert VALUE not in created.model_dump_json()
    assert [c.method for c in fakes.keys.calls] == ["generate_data_key"]


def test_each_secret_gets_its_own_data_key_and_nonce() -> None:
    fakes = Fakes()
    create_secret("app_1", "preview", "A", VALUE, fakes.ports())
    create_secret("app_1", "preview", "B", VALUE, fakes.ports())
    a, b = fakes.secrets.rows.values()
    assert a.ciphertext != b.ciphertext and a.wrapped_key != b.wrapped_key


def test_deploys_read_plaintext_for_their_environment_type_only() -> None:
    fakes = Fakes()
    create_secret("app_1", "preview", "TOKEN", "for-previews", fakes.ports())
    create_secret("app_1", "production", "TOKEN", "for-production", fakes.ports())
    create_secret("app_2", "preview", "OTHER", "another-app", fakes.ports())
    assert read_for_deploy("app_1", "preview", fakes.ports()) == {"TOKEN": "for-previews"}
    assert read_for_deploy("app_1", "production", fakes.ports()) == {"TOKEN": "for-production"}


def test_a_ciphertext_moved_to_another_name_does_not_decrypt() -> None:
    fakes = Fakes()
    create_secret("app_1", "preview", "TOKEN", VALUE, fakes.ports())
    [(key, stored)] = fakes.secrets.rows.items()
    fakes.secrets.rows[(key[0], key[1], "OTHER")] = replace(stored, name="OTHER")
    del fakes.secrets.rows[key]
    with pytest.raises(SecretDecryptionError, match="OTHER"):
        read_for_deploy("app_1", "preview", fakes.ports())


def test_listing_masks_values() -> None:
    fakes = Fakes()
    create_secret("app_1", "production", "TOKEN", VALUE, fakes.ports())
    [view] = list_secrets("app_1", fakes.ports())
    assert (view.name, view.environment_type.value) == ("TOKEN", "production")
    assert VALUE not in repr(view) and set(view.value) == {"•"}


def test_replacing_a_secret_keeps_one_row_with_the_new_value() -> None:
    fakes = Fakes()
    create_secret("app_1", "preview", "TOKEN", "old", fakes.ports())
    create_secret("app_1", "preview", "TOKEN", "new", fakes.ports())
    assert read_for_deploy("app_1", "preview", fakes.ports()) == {"TOKEN": "new"}


def test_deleting_publishes_once() -> None:
    fakes = Fakes()
    create_secret("app_1", "preview", "TOKEN", VALUE, fakes.ports())
    assert delete_secret("app_1", "preview", "TOKEN", fakes.ports()) == [
        SecretDeleted(app_id="app_1", environment_type="preview", name="TOKEN")
    ]
    assert delete_secret("app_1", "preview", "TOKEN", fakes.ports()) == []
    assert read_for_deploy("app_1", "preview", fakes.ports()) == {}


@pytest.mark.parametrize(
    ("env_type", "name", "value", "field"),
    [
        ("preview", "lower_case", VALUE, "name"),
        ("preview", "1STARTS_WITH_DIGIT", VALUE, "name"),
        ("staging", "TOKEN", VALUE, "environment_type"),
        ("preview", "TOKEN", "", "value of TOKEN"),
    ],
)
def test_invalid_secrets_are_refused_naming_the_field_but_never_the_value(env_type, name, value, field) -> None:
    with pytest.raises(InvalidSecretError, match=field) as error:
        create_secret("app_1", env_type, name, value, Fakes().ports())
    assert VALUE not in str(error.value)
