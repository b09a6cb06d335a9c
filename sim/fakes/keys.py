"""A fake KMS: wraps data keys with a master key held in memory (AES-GCM)."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sim.fakes._calls import Recorder

_NONCE_BYTES = 12
_CONTEXT = b"wingcloud-data-key"


class FakeKeyService(Recorder):
    """Implements `ports.KeyService`. Calls are recorded without key material."""

    def __init__(self, master_key: bytes | None = None) -> None:
        super().__init__()
        self._master = AESGCM(master_key or AESGCM.generate_key(bit_length=256))

    def generate_data_key(self) -> tuple[bytes, bytes]:
        self._record("generate_data_key")
        plaintext = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE_BYTES)
        return plaintext, nonce + self._master.encrypt(nonce, plaintext, _CONTEXT)

    def unwrap(self, wrapped: bytes) -> bytes:
        self._record("unwrap")
        return self._master.decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], _CONTEXT)
