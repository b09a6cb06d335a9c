"""`wingcloud spec diff` and `wingcloud spec gate` as a person and CI run them: files and git revisions in a
temporary repository, exit codes, the lines printed, and errors that say what was wrong."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spec import SPEC_PATH
from wingcloud.cli import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is needed: apt-get install git")

ADDED_REQUIRED = (
    "          description: True when the head branch lives in another repository.\n",
    "          description: True when the head branch lives in another repository.\n"
    "        origin:\n          type: string\n",
)


def _git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    return subprocess.run(["git", *env_args, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _commit(repo: Path, text: str, message: str) -> None:
    (repo / "spec").mkdir(exist_ok=True)
    (repo / "spec" / "asyncapi.yaml").write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main holds the real spec; branch `feature` adds an optional field, then makes it required."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    real = SPEC_PATH.read_text(encoding="utf-8")
    _commit(root, real, "the real spec")
    _git(root, "checkout", "-qb", "feature")
    optional = real.replace(*ADDED_REQUIRED, 1)
    assert optional != real
    _commit(root, optional, "an optional field")
    required = optional.replace(
        "      - is_fork\n      - sender_login\n", "      - is_fork\n      - sender_login\n      - origin\n", 1
    )
    assert required != optional
    _commit(root, required, "the field becomes required")
    monkeypatch.chdir(root)
    return root


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["spec", *args], env={"COLUMNS": "400"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return 1, f"error: {result.exception}"
    return result.exit_code, result.output


def test_a_revision_against_the_working_file_exits_1_with_one_line_per_break(repo: Path) -> None:
    code, output = _run("diff", "main", "spec/asyncapi.yaml")

    assert code == 1
    lines = output.splitlines()
    assert len(lines) == 2, output
    assert lines[0].startswith(
        "breaking   PullRequestOpened /properties/origin [forward]: added required field 'origin'; "
    )
    assert "receivers on the new code (environments, notifications) refuse events" in lines[0]
    assert lines[1].startswith("main (") and lines[1].endswith("BREAKING (1 change(s): 1 breaking)")


def test_relative_revisions_and_rev_colon_path(repo: Path) -> None:
    code, output = _run("diff", "HEAD~2", "HEAD~1")
    assert code == 0
    assert "compatible (1 change(s): 1 compatible)" in output

    code, output = _run("diff", "feature~1:spec/asyncapi.yaml", "HEAD")
    assert code == 1
    assert "field 'origin' became required" in output


def test_a_spec_against_itself_exits_0(repo: Path) -> None:
    code, output = _run("diff", "main", "HEAD~2")
    assert (code, output.splitlines()[-1].endswith("no message changed")) == (0, True)


def test_files_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    real = SPEC_PATH.read_text(encoding="utf-8")
    (tmp_path / "old.yaml").write_text(real, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(real.replace(*ADDED_REQUIRED, 1), encoding="utf-8")

    code, output = _run("diff", "old.yaml", str(tmp_path / "new.yaml"))

    assert code == 0
    assert output.startswith("compatible PullRequestOpened /properties/origin [full]")

    code, output = _run("diff", "old.yaml", "missing.yaml")
    assert (code, output) == (
        1,
        f"error: 'missing.yaml' is not a file, and {tmp_path} is not inside a git repository to read a revision from",
    )


def test_errors_name_the_bad_revision_the_missing_file_and_the_invalid_spec(repo: Path) -> None:
    code, output = _run("diff", "no-such-branch", "HEAD")
    assert (code, output) == (1, "error: 'no-such-branch' is neither a file nor a git revision of repo")

    code, output = _run("diff", "HEAD:docs/asyncapi.yaml", "HEAD")
    assert (
        code == 1
        and output.startswith("error: revision HEAD (")
        and output.endswith(") has no file docs/asyncapi.yaml")
    )

    (repo / "broken.yaml").write_text("asyncapi: 3.0.0\ncomponents: {}\n", encoding="utf-8")
    code, output = _run("diff", "HEAD", "broken.yaml")
    assert code == 1
    assert "/components/messages: broken.yaml: no messages: is this an AsyncAPI spec of wingcloud?" in output

    (repo / "bad.yaml").write_text("asyncapi: [3.0.0\n", encoding="utf-8")
    code, output = _run("diff", "HEAD", "bad.yaml")
    assert code == 1 and "malformed YAML in bad.yaml at line 2" in output


def test_the_gate_compares_with_the_merge_base_with_main(repo: Path) -> None:
    code, output = _run("gate")
    assert code == 1
    assert output.startswith("comparing spec/asyncapi.yaml with the merge base with main (")
    assert "added required field 'origin'" in output

    _git(repo, "checkout", "-q", "main")
    code, output = _run("gate")
    assert code == 0 and output.strip().endswith("no message changed")


def test_the_gate_prefers_the_last_release_tag(repo: Path) -> None:
    _git(repo, "tag", "v0.1.0", "feature~1")
    code, output = _run("gate")
    assert code == 1
    assert "added optional field" not in output  # the tag already holds it
    assert output.splitlines()[-1].startswith("v0.1.0 (")


def test_the_gate_without_main_says_so(repo: Path) -> None:
    _git(repo, "branch", "-qm", "main", "trunk")
    code, output = _run("gate")
    assert (code, output) == (1, "error: no release tag (v[0-9]*) and no branch main or origin/main to compare with")


def test_the_gate_in_a_shallow_clone_says_how_to_fetch_the_history(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = tmp_path / "clone"
    _git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        "--branch",
        "feature",
        f"file://{repo}",
        str(clone),
    )
    monkeypatch.chdir(clone)
    code, output = _run("gate")
    assert code == 1
    assert output.startswith("error: HEAD and origin/main share no commit in this shallow clone: fetch the history")
