"""A fake blob store (S3 stand-in) for logs."""

from __future__ import annotations

from sim.fakes._calls import Recorder


class FakeBlobStore(Recorder):
    """Implements `ports.BlobStore` in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.blobs: dict[str, bytes] = {}

    def append(self, key: str, data: bytes) -> None:
        self._record("append", key, len(data))
        self.blobs[key] = self.blobs.get(key, b"") + data

    def get(self, key: str) -> bytes | None:
        self._record("get", key)
        return self.blobs.get(key)

    def delete_prefix(self, prefix: str) -> int:
        self._record("delete_prefix", prefix)
        doomed = [key for key in self.blobs if key.startswith(prefix)]
        for key in doomed:
            del self.blobs[key]
        return len(doomed)

    def keys(self, prefix: str = "") -> list[str]:
        """Blob keys under `prefix`, sorted; for assertions."""
        return sorted(key for key in self.blobs if key.startswith(prefix))
