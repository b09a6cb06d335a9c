"""Webhook signature check: `X-Hub-Signature-256` is `sha256=` + hex HMAC-SHA256 of the exact raw body."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


class SignatureError(ValueError):
    """The webhook's signature header is missing, malformed or does not match the body."""


def sign(secret: str, body: bytes) -> str:
    """The header value GitHub sends for `body` under `secret`."""
    return PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    """Raise SignatureError unless `header` signs `body`; compared in constant time, over raw bytes."""
    if not header:
        raise SignatureError("missing X-Hub-Signature-256 header")
    if not header.startswith(PREFIX):
        raise SignatureError(f"X-Hub-Signature-256 must start with {PREFIX!r}, got {header[:16]!r}")
    if not hmac.compare_digest(sign(secret, body).encode("ascii"), header.encode("utf-8", "replace")):
        raise SignatureError("X-Hub-Signature-256 does not match the body")
