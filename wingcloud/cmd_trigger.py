"""`wingcloud trigger`: send a correctly signed sample GitHub webhook to a running `wingcloud serve`.

The way to drive the product without GitHub (as `stripe trigger` drives a Stripe integration): the body is a
recorded GitHub delivery with the repository, branch, sha and pull-request number set, signed with the
server's webhook secret, read from the same settings and data dir the server uses.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import typer

from wingcloud.errors import CommandError

KIND_HELP = "pull_request.opened | pull_request.reopened | pull_request.synchronize | pull_request.closed | push"


def trigger(
    kind: str = typer.Argument(..., metavar="KIND", help=KIND_HELP),
    repository: str = typer.Option(..., "--repository", "-r", metavar="OWNER/NAME", help="The app's repository."),
    branch: str = typer.Option(
        ..., "--branch", "-b", metavar="BRANCH", help="The pull request's head, or the pushed branch."
    ),
    sha: str | None = typer.Option(
        None, "--sha", metavar="SHA", help="The commit (default: the branch's head in --repos, else a random one)."
    ),
    number: int = typer.Option(1, "--number", "-n", min=1, metavar="N", help="The pull request's number."),
    base: str = typer.Option("main", "--base", metavar="BRANCH", help="The pull request's base branch."),
    merged: bool = typer.Option(False, "--merged", help="pull_request.closed: merged, not just closed."),
    installation_id: int = typer.Option(
        1, "--installation-id", min=1, metavar="ID", help="The GitHub App installation."
    ),
    url: str = typer.Option("http://127.0.0.1:8080", "--url", metavar="URL", help="Where `wingcloud serve` listens."),
    data_dir: Path = typer.Option(
        Path(".wingcloud"), "--data-dir", metavar="DIR", help="The server's data dir (its webhook secret is there)."
    ),
    delivery_id: str | None = typer.Option(
        None, "--delivery-id", metavar="ID", help="X-GitHub-Delivery (default: new)."
    ),
    repos: Path | None = typer.Option(
        None,
        "--repos",
        metavar="DIR",
        envvar="WINGCLOUD_LOCAL_REPOS",
        help="The server's local repositories: the sha is the branch's head in DIR/OWNER/NAME.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the headers and body instead of sending them."),
) -> None:
    """Send a signed sample webhook (pull request or push) to a running `wingcloud serve`."""
    import httpx

    from adapters.github.samples import UnknownSampleError, sample_delivery

    before = None
    if sha is None and repos is not None:
        sha, before = _heads(repos, repository, branch)
    commit = sha or secrets.token_hex(20)
    try:
        delivery = sample_delivery(
            kind,
            repository=repository,
            branch=branch,
            sha=commit,
            number=number,
            base=base,
            installation_id=installation_id,
            merged=merged,
            delivery_id=delivery_id,
            before=before,
        )
    except UnknownSampleError as error:
        raise CommandError(str(error)) from None
    headers = delivery.headers(webhook_secret(data_dir))
    if dry_run:
        typer.echo(json.dumps({"url": f"{url.rstrip('/')}/webhooks/github", "headers": headers}, indent=2))
        typer.echo(delivery.body.decode())
        return
    target = f"{url.rstrip('/')}/webhooks/github"
    try:
        response = httpx.post(target, content=delivery.body, headers=headers, timeout=15)
    except httpx.TransportError as error:
        raise CommandError(f"cannot reach {target} ({error}): is `wingcloud serve` running there? (--url)") from None
    what = f"{kind} for {repository}@{branch} ({commit[:7]}), delivery {delivery.delivery_id}"
    if response.status_code >= 400:
        raise CommandError(f"{what}: the server answered {response.status_code}: {_detail(response)}")
    outcome = "a duplicate of a delivery already received" if response.status_code == 200 else "accepted"
    typer.echo(f"sent {what}: {response.status_code}, {outcome}")


def _heads(repos: Path, repository: str, branch: str) -> tuple[str, str | None]:
    """The branch's head in the local repository, and its parent (a push's `before`)."""
    from adapters.local.repos import LocalRepositories, RepositoryNotFoundError

    local = LocalRepositories(repos.expanduser().resolve())
    try:
        head = local.head(repository, branch)
        if head is None:
            raise CommandError(f"{repository} in {local.root} has no branch {branch!r}")
        return head, local.git(repository, "rev-parse", "--verify", "--quiet", f"{head}^")
    except RepositoryNotFoundError as error:
        raise CommandError(str(error)) from None


def webhook_secret(data_dir: Path) -> str:
    """The server's webhook secret: WINGCLOUD_GITHUB_WEBHOOK_SECRET, else the one kept in its data dir."""
    if value := os.environ.get("WINGCLOUD_GITHUB_WEBHOOK_SECRET"):
        return value
    path = data_dir / "credentials.json"
    try:
        return str(json.loads(path.read_text())["webhook_secret"])
    except FileNotFoundError:
        raise CommandError(
            f"no webhook secret: {path} does not exist. Start `wingcloud serve` first (it makes one), point "
            "--data-dir at its data dir, or set WINGCLOUD_GITHUB_WEBHOOK_SECRET"
        ) from None
    except (ValueError, KeyError) as error:
        raise CommandError(f"{path} holds no webhook secret ({error}); delete it and restart wingcloud serve") from None


def _detail(response: object) -> str:
    import httpx

    assert isinstance(response, httpx.Response)
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return str(body.get("detail") or body) if isinstance(body, dict) else str(body)
