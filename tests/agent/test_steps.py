"""The agent's install steps: npm where the app has a package.json, and which `wing` it runs (the app's own,
the configured one, the PATH's, or a pinned winglang installed once into the cache). npm is a fake here that
records its arguments and lays out what the real one would."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from agent import steps

FAKE_NPM = """#!/bin/sh
echo "$PWD $*" >> {calls}
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in --prefix) prefix="$2"; shift;; esac
  shift
done
dir="${{prefix:-$PWD}}/node_modules/.bin"
mkdir -p "$dir" && cp {wing} "$dir/wing"
"""


@pytest.fixture
def npm(tmp_path: Path, fake_wing: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake npm first on the PATH, and no `wing` there; returns the file its calls go to."""
    bin_dir = tmp_path / "npm-bin"
    bin_dir.mkdir()
    calls = tmp_path / "npm-calls"
    script = bin_dir / "npm"
    script.write_text(FAKE_NPM.format(calls=calls, wing=fake_wing))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return calls


def test_an_app_with_a_lock_file_gets_npm_ci_and_then_its_own_wing(tmp_path: Path, npm: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text('{"dependencies": {"winglang": "0.85.40"}}')
    (app / "package-lock.json").write_text("{}")
    lines: list[str] = []
    steps.install(app, lines.append)
    assert npm.read_text() == f"{app} ci --no-audit --no-fund --loglevel=error\n"
    wing = steps.find_wing(app, "/nonexistent/wing", "0.85.49", tmp_path / "cache", lines.append)
    assert wing == [str(app / "node_modules" / ".bin" / "wing")]  # pinned by the app: wins over the setting
    assert "using the app's own winglang (node_modules/.bin/wing)" in lines


def test_an_app_without_package_json_installs_nothing(tmp_path: Path, npm: Path) -> None:
    steps.install(tmp_path, lambda line: None)
    assert not npm.exists()


def test_a_configured_wing_that_is_not_there_is_a_clear_error(tmp_path: Path, npm: Path) -> None:
    with pytest.raises(steps.StepError, match="WINGCLOUD_WING=/nonexistent/wing is not an executable"):
        steps.find_wing(tmp_path, "/nonexistent/wing", "0.85.49", tmp_path / "cache", lambda line: None)


def test_without_any_wing_the_pinned_winglang_is_installed_once_for_all(tmp_path: Path, npm: Path) -> None:
    cache = tmp_path / "cache"
    found: list[list[str]] = []

    def find() -> None:
        found.append(steps.find_wing(tmp_path, None, "0.85.49", cache, lambda line: None))

    finders = [threading.Thread(target=find) for _ in range(4)]  # four deployments starting at once
    for finder in finders:
        finder.start()
    for finder in finders:
        finder.join()
    expected = str(cache / "winglang-0.85.49" / "node_modules" / ".bin" / "wing")
    assert found == [[expected]] * 4
    calls = npm.read_text().splitlines()
    assert len(calls) == 1 and calls[0].endswith(f"--prefix {cache / 'winglang-0.85.49'} winglang@0.85.49")


def test_a_failing_npm_is_a_step_error_with_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text("#!/bin/sh\necho 'npm ERR! 404 Not Found - winglang@9.9.9'\nexit 1\n")
    (bin_dir / "npm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    with pytest.raises(steps.StepError) as raised:
        steps.find_wing(tmp_path, None, "9.9.9", tmp_path / "cache", lambda line: None)
    assert (
        str(raised.value)
        == "installing winglang 9.9.9 failed (exit status 1):\nnpm ERR! 404 Not Found - winglang@9.9.9"
    )


RECORDING_WING = """#!/bin/sh
# `wing test -o FILE ENTRY` as the agent calls it: says where it ran and what it found there
out=""
while [ $# -gt 1 ]; do
  case "$1" in -o) out="$2"; shift;; esac
  shift
done
{{ pwd; ls -A; ls -A node_modules; ls -A src; }} > {seen}
mkdir -p src/target/test/main.wsim
echo '{{"results": {{"src/main.w": {{"adds": {{"pass": true}}}}}}}}' > "$out"
"""


def test_the_tests_run_on_a_copy_so_wing_it_keeps_its_target_folder(tmp_path: Path) -> None:
    """`wing it`'s console compiles the tests into the app's `target/test` too; `wing test` deletes that folder
    when it is done. The tests get a copy of the checkout (no .git, no build output, the app's node_modules
    linked), and the app's folder is left to `wing it`."""
    app = tmp_path / "app"
    for path in ("src/main.w", "src/lib/util.w", ".git/HEAD", "node_modules/dep/index.js", "src/target/old.txt"):
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        (app / path).write_text("x")
    (app / "target").mkdir()  # a folder named target that is not the entrypoint's build output: copied
    seen, wing = tmp_path / "seen", tmp_path / "wing"
    wing.write_text(RECORDING_WING.format(seen=seen))
    wing.chmod(wing.stat().st_mode | stat.S_IEXEC)
    workspace = tmp_path / "work" / "tested"
    workspace.mkdir(parents=True)
    (workspace / "stale.txt").write_text("from the previous deployment")
    run = steps.test([str(wing)], app, "src/main.w", tmp_path / "results.json", lambda line: None, {}, workspace)
    assert run.passed and [r["path"] for r in run.results] == ["src/main.w:adds"]
    where, *listed = seen.read_text().split()
    assert Path(where).resolve() == workspace.resolve()
    assert listed == ["node_modules", "src", "target", "dep", "lib", "main.w"]  # no .git, no stale file, no build
    assert (workspace / "node_modules").is_symlink()
    assert not (app / "src" / "target" / "test").exists() and (app / "src" / "target" / "old.txt").exists()
