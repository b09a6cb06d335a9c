"""The KMS stand-in of a local process: envelope encryption under a master key kept in the data dir."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12


class FileKeyService:
    """Envelope encryption under a 256-bit master key kept in a 0600 file in the data directory.

    Stands in for KMS on one machine: data keys are wrapped with AES-GCM under the master key, so the
    database alone never holds a usable key.
    """

    def __init__(self, key_file: Path) -> None:
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(AESGCM.generate_key(bit_length=256))
        self._master = AESGCM(key_file.read_bytes())

    def generate_data_key(self) -> tuple[bytes, bytes]:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        return key, nonce + self._master.encrypt(nonce, key, b"wingcloud-data-key")

    def unwrap(self, wrapped: bytes) -> bytes:
        return self._master.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], b"wingcloud-data-key")
