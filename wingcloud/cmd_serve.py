"""`wingcloud serve`: the whole system as one local process on embedded SQLite.

Order matters to a person watching: the data dir is locked (one server per data dir), the port is bound
(a busy port is one line, not a console URL that leads to another process), the system starts, and only
then the banner says where everything is.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import socket
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

from wingcloud.errors import CommandError

if TYPE_CHECKING:
    from adapters.local.system import System
    from adapters.settings import LocalSettings

log = logging.getLogger("wingcloud")
LOCK_FILE = "serve.lock"


def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, metavar="PORT", help="Port to listen on (0: any free)."),
    data_dir: Path = typer.Option(
        Path(".wingcloud"), "--data-dir", metavar="DIR", help="Where the SQLite files and keys live."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log warnings only (refused webhooks still show)."),
    repos: Path | None = typer.Option(
        None,
        "--repos",
        metavar="DIR",
        help="Repositories on disk stand in for GitHub's: owner/name is the git repository DIR/owner/name "
        "(sets WINGCLOUD_LOCAL_REPOS).",
    ),
) -> None:
    """Run every service locally: webhooks, runtime reports, the REST API and the console, on SQLite."""
    import uvicorn

    from adapters.local import gcwatch
    from adapters.local.db import SchemaVersionError
    from adapters.local.protocol import deadline_protocol, raise_file_limit
    from adapters.local.server import create_app
    from wingcloud.outside import RuntimeChoiceError, local_system

    _configure_logging(quiet)
    # The data dir holds webhook bodies, logs, comments and keys: only this user may read what we write
    # (databases, machines' folders, logs), and a data dir made by an earlier version is tightened too.
    os.umask(0o077)
    settings = _settings()
    if repos is not None:
        settings = settings.model_copy(update={"local_repos": repos.expanduser().resolve()})
    data_dir = data_dir.expanduser().resolve()
    lock = lock_data_dir(data_dir)
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    try:
        system = local_system(settings, data_dir, f"http://{shown}:{bound}")
    except (SchemaVersionError, RuntimeChoiceError) as error:
        raise CommandError(str(error)) from None
    app = create_app(
        system, on_ready=lambda: _banner(system, data_dir, host, bound), request_log=None if quiet else sys.stderr
    )
    # Everything loaded so far (schemas, models, the spec) lives as long as the process: keep it out of the
    # garbage collector's full passes, which otherwise walk all of it (~35 ms each) in the middle of bursts.
    # /healthz says how often the collector paused the process, for how long, and how much it froze here.
    gcwatch.freeze()
    raise_file_limit()
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        log_level="warning",
        lifespan="on",
        http=deadline_protocol(settings.request_read_seconds),
        limit_concurrency=settings.max_connections,  # past it: 503 at once, not a hang
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        lock.close()


def _settings() -> LocalSettings:
    from pydantic import ValidationError

    from adapters.settings import LocalSettings

    try:
        return LocalSettings()
    except ValidationError as error:
        problems = "; ".join(f"WINGCLOUD_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors())
        raise CommandError(f"invalid setting(s): {problems}") from None


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold `serve.lock` in the data dir for the life of the process; a second server there is refused."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(data_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held open until the process ends
    except OSError as error:  # unwritable, a file in the way, or a parent that cannot be made (/proc/nope)
        raise _unusable(data_dir, error) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise CommandError(
            f"another wingcloud serve (pid {holder}) is using the data dir {data_dir}: stop it, or give this one "
            "its own --data-dir"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    try:
        tighten(data_dir)
    except OSError as error:  # a data dir of another user's, say, that this one may write in
        handle.close()
        raise _unusable(data_dir, error) from None
    return handle


def _unusable(data_dir: Path, error: OSError) -> CommandError:
    reason = (error.strerror or str(error)).lower()
    return CommandError(f"cannot use {data_dir} as the data dir ({reason}): choose a writable one with --data-dir")


def tighten(data_dir: Path) -> None:
    """The data dir 0700 and the files in it 0600 (the machines' folders keep their own modes)."""
    data_dir.chmod(0o700)
    for entry in data_dir.iterdir():
        if entry.is_file() and not entry.is_symlink():
            entry.chmod(0o600)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; a busy, privileged or foreign address is one line with the fix."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise CommandError(f"cannot listen on --host {host!r}: {error.strerror}; try 127.0.0.1 or 0.0.0.0") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CommandError(
                f"port {port} on {host} is already in use by another process: stop it, or choose another --port"
            ) from None
        if error.errno == errno.EACCES:
            raise CommandError(
                f"no permission to listen on port {port} (ports below 1024 need root): choose --port 8080 or above"
            ) from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise CommandError(f"{host} is not an address of this machine: try --host 127.0.0.1 or 0.0.0.0") from None
        raise CommandError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.setblocking(False)
    return sock


def _configure_logging(quiet: bool) -> None:
    """uvicorn's look (`INFO:     ...`), on stderr; the banner goes to stdout."""
    from uvicorn.logging import DefaultFormatter

    from adapters.local.protocol import RepeatFilter

    handler = logging.StreamHandler()
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
    handler.addFilter(RepeatFilter())  # a flood of one message (a refused client, a full accept queue) stays small
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the endpoint proxy's requests are in the request log


def _banner(system: System, data_dir: Path, host: str, port: int) -> None:
    base, credentials = system.base_url, system.credentials
    listen = f"{host}:{port}" if host not in ("", "0.0.0.0", "::") else f"all interfaces, port {port}"
    lines = [
        f"wingcloud is listening on {listen}; data in {data_dir}",
        f"  console:      {base}/#token={credentials.api_token}",
        f"  webhook URL:  {base}/webhooks/github",
        f"  API token:    {credentials.api_token}",
    ]
    if "webhook_secret" in credentials.generated:
        lines.append(f"  webhook secret (generated, kept in the data dir): {credentials.webhook_secret}")
    elif os.environ.get("WINGCLOUD_GITHUB_WEBHOOK_SECRET"):
        lines.append("  webhook secret: from WINGCLOUD_GITHUB_WEBHOOK_SECRET")
    else:
        lines.append(f"  webhook secret: kept in {data_dir / 'credentials.json'} (webhook_secret)")
    lines.append(f"  GitLab hook:  {base}/webhooks/gitlab (its secret token is the GitLab webhook token)")
    if "gitlab_webhook_token" in credentials.generated:
        lines.append(f"  GitLab webhook token (generated, kept in the data dir): {credentials.gitlab_webhook_token}")
    elif os.environ.get("WINGCLOUD_GITLAB_WEBHOOK_TOKEN"):
        lines.append("  GitLab webhook token: from WINGCLOUD_GITLAB_WEBHOOK_TOKEN")
    else:
        lines.append(f"  GitLab webhook token: kept in {data_dir / 'credentials.json'} (gitlab_webhook_token)")
    described = dict(system.outside.described)
    runtime = described.pop("runtime", None)
    lines.append("  outside world: " + ", ".join(f"{k}={v}" for k, v in described.items()))
    if runtime:
        lines.append(f"  runtime:      {runtime}")
    if system.outside.machines is not None:
        lines.append(
            f"  endpoints:    http://<label>-<fly app>.localhost:{port}/ (or {base}/endpoints/<label>-<fly app>/)"
        )
    lines.append(f"  API docs:     {base}/api/openapi.json")
    repos = system.settings.local_repos
    lines.append(
        "  try:          wingcloud trigger pull_request.opened --repository OWNER/REPO --branch BRANCH"
        + (f" --repos {repos}" if repos else "")
        + (f" --url {base}" if port != 8080 else "")
        + (f" --data-dir {data_dir}" if data_dir != Path(".wingcloud").resolve() else "")
    )
    typer.echo("\n".join(lines))
    sys.stdout.flush()
