"""Which apps a repository's event is for: the apps bound to that repository at that provider.

Repository names are unique only within a provider (`acme/web` may be on GitHub and on GitLab), so every
route from a pull request or a push goes through here.
"""

from __future__ import annotations

from ports import App, Ports


def apps_of(provider: str, repository: str, ports: Ports) -> list[App]:
    """Every app of every user bound to `repository` on `provider`."""
    return [app for app in ports.apps.list_by_repository(repository) if app.provider == provider]
