"""Sample GitHub App deliveries built from recorded ones (`samples/`), for `wingcloud trigger`.

Only the facts wing.cloud reads are changed (repository, branch, shas, pull-request number, installation);
everything else stays as GitHub sent it, so a sample exercises the same parsing as a real delivery.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.github.webhooks import sign

SAMPLES = Path(__file__).with_name("samples")
ZERO_SHA = "0" * 40
KINDS = ("pull_request.opened", "pull_request.reopened", "pull_request.synchronize", "pull_request.closed", "push")


@dataclass(frozen=True)
class SampleDelivery:
    event: str  # X-GitHub-Event
    delivery_id: str  # X-GitHub-Delivery
    body: bytes

    def headers(self, secret: str) -> dict[str, str]:
        """The headers GitHub sends with this body, signed with `secret`."""
        return {
            "X-GitHub-Event": self.event,
            "X-GitHub-Delivery": self.delivery_id,
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "X-Hub-Signature-256": sign(secret, self.body),
            "User-Agent": "GitHub-Hookshot/wingcloud-trigger",
            "Content-Type": "application/json",
        }


class UnknownSampleError(ValueError):
    """No sample of this kind; names the kinds there are."""


def sample_delivery(
    kind: str,
    *,
    repository: str,
    branch: str,
    sha: str,
    number: int = 1,
    base: str = "main",
    before: str | None = None,
    installation_id: int = 1,
    merged: bool = False,
    title: str | None = None,
    delivery_id: str | None = None,
) -> SampleDelivery:
    """A delivery of `kind` (`pull_request.<action>` or `push`) for `branch` of `repository` at `sha`."""
    if kind not in KINDS:
        raise UnknownSampleError(f"no sample webhook {kind!r}; choose one of {', '.join(KINDS)}")
    payload: dict[str, Any] = json.loads((SAMPLES / f"{kind}.json").read_bytes())
    owner, _, name = repository.partition("/")
    repo = {**payload["repository"], "full_name": repository, "name": name}
    repo["owner"] = {**repo["owner"], "login": owner, "name": owner}
    payload["repository"] = repo
    payload["installation"] = {**payload.get("installation", {}), "id": installation_id}
    if kind == "push":
        payload |= {"ref": f"refs/heads/{branch}", "before": before or ZERO_SHA, "after": sha, "created": not before}
        payload["head_commit"] = {**payload["head_commit"], "id": sha, "message": title or f"Update {branch}"}
    else:
        pr = payload["pull_request"]
        pr["number"] = payload["number"] = number
        pr["title"] = title or f"Preview of {branch}"
        pr["head"] = {**pr["head"], "ref": branch, "sha": sha, "repo": repo, "label": f"{owner}:{branch}"}
        pr["base"] = {**pr["base"], "ref": base, "repo": repo, "label": f"{owner}:{base}"}
        if kind == "pull_request.closed":
            pr["merged"] = merged
        if kind == "pull_request.synchronize":
            payload["before"], payload["after"] = before or ZERO_SHA, sha
    event = kind.partition(".")[0]
    return SampleDelivery(event, delivery_id or str(uuid.uuid4()), json.dumps(payload).encode())
