"""The runtime image's Dockerfile agrees with the code, as far as can be checked without building it: the
winglang it pins is the agent's default, the command is the agent, the exposed port is the one fly.io routes
to, and every file it copies is in the repository and not kept out by .dockerignore."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from adapters.flyio.machine_config import PROXY_PORT
from agent.config import AgentSettings

REPO = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            found.append((keyword.upper(), arguments.strip()))
            pending = ""
    return found


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in instructions() if name == keyword]


def copied_sources() -> list[str]:
    """The build-context sources of every COPY (not the ones copied from another stage)."""
    sources: list[str] = []
    for arguments in arguments_of("COPY"):
        words = shlex.split(arguments)
        if any(word.startswith("--from") for word in words):
            continue
        sources.extend(word for word in words[:-1] if not word.startswith("--"))
    return sources


def test_the_pinned_winglang_is_the_agent_s_default() -> None:
    pinned = {version for run in arguments_of("RUN") for version in re.findall(r"\bwinglang@(\S+)", run)}
    assert pinned == {AgentSettings.model_fields["winglang_version"].default}


def test_the_configured_wing_is_the_one_installed() -> None:
    [install] = [run for run in arguments_of("RUN") if "winglang@" in run]
    prefix = re.search(r"--prefix\s+(\S+)", install)
    assert prefix is not None
    assert f"WINGCLOUD_WING={prefix.group(1)}/node_modules/.bin/wing" in arguments_of("ENV")


def test_the_command_is_the_agent_module() -> None:
    [command] = arguments_of("CMD")
    assert json.loads(command) == ["python", "-m", "agent"]
    assert importlib.util.find_spec("agent.__main__") is not None  # found, not run: running it deploys


def test_the_exposed_port_is_the_one_fly_io_routes_to() -> None:
    assert arguments_of("EXPOSE") == [str(PROXY_PORT)]


def test_the_image_runs_on_node_20_or_newer() -> None:
    [node] = [arguments for name, arguments in instructions() if name == "FROM" and arguments.startswith("node:")]
    major = re.match(r"node:(\d+)", node)
    assert major is not None and int(major.group(1)) >= 20


@pytest.mark.parametrize("source", copied_sources())
def test_every_copied_file_is_in_the_repository_and_in_the_build_context(source: str) -> None:
    assert (REPO / source).exists(), f"COPY {source}: no such file in the repository"
    allowed = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert f"!{source}" in allowed, f"COPY {source}: .dockerignore keeps it out of the build context"


def test_every_package_of_the_distribution_is_copied() -> None:
    """`pip install .` installs what pyproject.toml finds; a package not copied would be missing silently."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = {pattern.rstrip("*") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= set(copied_sources())
    assert {"pyproject.toml", pyproject["project"]["readme"]} <= set(copied_sources())


def test_the_entrypoint_hands_the_volume_to_the_user_that_runs_the_agent() -> None:
    [entrypoint] = arguments_of("ENTRYPOINT")
    script = (REPO / "deploy" / "runtime-entrypoint.sh").read_text()
    assert json.loads(entrypoint) == ["wingcloud-entrypoint"]
    assert "chown wing:wing /data" in script and "setpriv --reuid=wing" in script
    assert any("useradd" in run and " wing" in run for run in arguments_of("RUN"))
