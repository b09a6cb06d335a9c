"""`ports.BlobStore` on S3 and `ports.KeyService` on KMS."""

from __future__ import annotations

import time
import uuid
from typing import Any

_PART = "/.part-"


class S3BlobStore:
    """Implements `ports.BlobStore`. S3 cannot append, so each append is one object
    `<key>/.part-<ns-time>-<uuid>` and `get` concatenates a key's parts in name (time) order."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client, self._bucket = client, bucket

    def append(self, key: str, data: bytes) -> None:
        part = f"{key}{_PART}{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self._client.put_object(Bucket=self._bucket, Key=part, Body=data)

    def get(self, key: str) -> bytes | None:
        parts = self._parts(f"{key}{_PART}")
        if not parts:
            return None
        return b"".join(self._client.get_object(Bucket=self._bucket, Key=p)["Body"].read() for p in parts)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every blob under prefix; return how many blobs (not parts)."""
        parts = self._parts(prefix)
        for start in range(0, len(parts), 1000):
            chunk = [{"Key": p} for p in parts[start : start + 1000]]
            self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": chunk, "Quiet": True})
        return len({p.rsplit(_PART, 1)[0] for p in parts if _PART in p})

    def _parts(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)


class KmsKeyService:
    """Implements `ports.KeyService` with KMS envelope encryption (GenerateDataKey / Decrypt)."""

    def __init__(self, client: Any, key_id: str) -> None:
        self._client, self._key_id = client, key_id

    def generate_data_key(self) -> tuple[bytes, bytes]:
        response = self._client.generate_data_key(KeyId=self._key_id, KeySpec="AES_256")
        return bytes(response["Plaintext"]), bytes(response["CiphertextBlob"])

    def unwrap(self, wrapped: bytes) -> bytes:
        return bytes(self._client.decrypt(CiphertextBlob=wrapped, KeyId=self._key_id)["Plaintext"])
