"""What a code host's comment on a pull (or merge) request shows: the previews of that request, as a Markdown
table both GitHub and GitLab render. One table for both providers' services (services share only events and
ports): the github comment and the gitlab note differ in where they are posted, not in what they say."""

from __future__ import annotations

from events.models import EnvironmentStatus, EnvironmentType
from ports import Environment, Ports

_ICONS = {EnvironmentStatus.running: "✅", EnvironmentStatus.error: "❌", EnvironmentStatus.stopped: "⏹️"}


def previews_of(environments: list[Environment], pr_number: int) -> list[Environment]:
    """The previews of pull request `pr_number` among `environments`, oldest first."""
    chosen = [e for e in environments if e.type == EnvironmentType.preview and e.pr_number == pr_number]
    return sorted(chosen, key=lambda e: (e.created_at, e.id))


def preview_table(app_name: str, previews: list[Environment], ports: Ports, *, app_deleted: bool, end: str) -> str:
    """One row per preview: its head, status, public names while running, and its console page where the server
    has one (`Settings.console_page`; the console is one page, its script opens the environment after the #).
    `end` is the last line (the app's marker, which finds the comment again)."""
    console = ports.settings.console_page
    rows = [f"### wing.cloud · {app_name}", ""]
    if app_deleted:
        rows.append("This app was deleted; its previews are stopped.")
    else:
        rows += [
            "| Preview | Status | Endpoints |" + (" Console |" if console else ""),
            "|---|---|---|" + ("---|" if console else ""),
        ]
    for env in previews:
        status = f"{env.status} {_ICONS.get(env.status, '⏳')}"
        links = ", ".join(f"[{host.label}](https://{host.hostname})" for host in ports.comments.hosts(env.id))
        endpoints = links if env.status == EnvironmentStatus.running and links else "-"
        row = f"| `{env.branch}` @ `{env.sha[:7]}` | {status} | {endpoints} |"
        if console:
            row += f" [{env.id}]({ports.settings.console_url}/#environment={env.id}) |"
        rows.append(row)
    return "\n".join([*rows, "", end])
