"""The pieces of the outside world a local process owns itself: wall clock, ids and a file-keyed KMS stand-in."""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sim.ids import base36

_NONCE = 12


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    """`prefix_` + base36 of the time in microseconds + 6 random base36 digits: unique and roughly sortable."""

    def new(self, prefix: str) -> str:
        stamp = base36(time.time_ns() // 1000)
        tail = base36(secrets.randbelow(36**6)).rjust(6, "0")
        return f"{prefix}_{stamp}{tail}"


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
