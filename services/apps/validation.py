"""What an app must look like before it is stored; each failure names the field and the value."""

from __future__ import annotations

import re

from ports import CodeHost, CodeHosts, UnknownProviderError

NAME = re.compile(r"^[A-Za-z0-9._-]+$")
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
BRANCH = re.compile(r"^[^\s~^:?*\[\\]+$")
ENTRYPOINT = re.compile(r"^[^\s]+\.(w|main\.w|ts)$")
MAX_NAME = 100


class InvalidAppError(ValueError):
    """An app field is not acceptable; `field` names it."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {value!r} {reason}")
        self.field = field
        self.value = value
        self.reason = reason


class UnknownAppError(KeyError):
    """No app has this id."""

    def __init__(self, app_id: str) -> None:
        super().__init__(f"no app with id {app_id!r}")
        self.app_id = app_id

    def __str__(self) -> str:
        return str(self.args[0])


def check_name(name: str) -> None:
    if not NAME.match(name) or len(name) > MAX_NAME:
        raise InvalidAppError("name", name, f"must match {NAME.pattern} and be at most {MAX_NAME} characters")


def check_repository(repository: str) -> None:
    if not REPOSITORY.match(repository) or len(repository) > 201:
        raise InvalidAppError("repository", repository, "must be owner/repo (letters, digits, '.', '_', '-')")


def check_branch(branch: str) -> None:
    if not BRANCH.match(branch) or len(branch) > 255:
        raise InvalidAppError("default_branch", branch, "is not a valid git branch name")


def check_entrypoint(entrypoint: str) -> None:
    if not ENTRYPOINT.match(entrypoint) or len(entrypoint) > 255:
        raise InvalidAppError("entrypoint", entrypoint, "must be a path ending in .w, .main.w or .ts")


def check_installation(installation_id: int) -> None:
    if isinstance(installation_id, bool) or not isinstance(installation_id, int) or installation_id < 1:
        raise InvalidAppError("installation_id", installation_id, "must be a positive integer")


def check_provider(provider: str, hosts: CodeHosts) -> CodeHost:
    """The code host of `provider`; raises InvalidAppError naming the providers there are."""
    try:
        return hosts.get(provider)
    except UnknownProviderError as error:
        raise InvalidAppError("provider", provider, f"is not one of {', '.join(error.known)}") from None


def check_new_app(
    owner: str, name: str, repository: str, default_branch: str, entrypoint: str, installation_id: int
) -> None:
    """Every field of a new app, in the order a form shows them."""
    if not owner or len(owner) > 100:
        raise InvalidAppError("owner", owner, "must be 1 to 100 characters")
    check_name(name)
    check_repository(repository)
    check_branch(default_branch)
    check_entrypoint(entrypoint)
    check_installation(installation_id)
