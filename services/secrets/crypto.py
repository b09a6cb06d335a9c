"""Envelope encryption of secret values: AES-256-GCM under a fresh data key wrapped by the KeyService (KMS).

The additional authenticated data binds a ciphertext to its (app, environment type, name), so a stored
value copied to another secret's row fails to decrypt instead of leaking under the wrong name.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ports import KeyService

NONCE_BYTES = 12


class SecretDecryptionError(ValueError):
    """A stored secret cannot be decrypted (wrong key, tampered ciphertext or moved row)."""


def associated_data(app_id: str, environment_type: str, name: str) -> bytes:
    return f"wingcloud-secret/{app_id}/{environment_type}/{name}".encode()


def seal(value: str, aad: bytes, keys: KeyService) -> tuple[bytes, bytes]:
    """(nonce + ciphertext, wrapped data key) for `value`."""
    data_key, wrapped = keys.generate_data_key()
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, value.encode("utf-8"), aad), wrapped


def unseal(ciphertext: bytes, wrapped: bytes, aad: bytes, keys: KeyService) -> str:
    """The plaintext of a sealed value; raises SecretDecryptionError naming nothing secret."""
    try:
        data_key = keys.unwrap(wrapped)
        return AESGCM(data_key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], aad).decode("utf-8")
    except (InvalidTag, ValueError) as error:
        raise SecretDecryptionError(f"cannot decrypt the secret sealed with {aad.decode()!r}") from error
