"""GitLab's webhook authentication: the `X-Gitlab-Token` header carries the secret token set on the hook.

GitLab signs nothing; the token is compared in constant time, and a missing one is refused like a wrong one."""

from __future__ import annotations

import hmac


class TokenError(ValueError):
    """The delivery's X-Gitlab-Token is missing or is not this server's; says which."""


def verify_token(expected: str, given: str | None) -> None:
    """Raise TokenError unless `given` is `expected`."""
    if not given:
        raise TokenError("the X-Gitlab-Token header is missing: set the hook's secret token to this server's")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise TokenError("X-Gitlab-Token is not this server's GitLab webhook token")
