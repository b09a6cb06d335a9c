"""The command line as a person meets it: `--version`, help without type noise, and every failure one line
with the fix (the traceback only with `--debug`)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from tests.adapters.local.process import run_cli
from wingcloud.cli import app

HIDE = (
    "import importlib.util as u; real = u.find_spec; u.find_spec = lambda n, *a: None if n == {name!r} else real(n, *a)"
)


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"wingcloud \d+\.\d+\.\d+\S*\n", result.output)


def test_help_shows_no_python_type_noise() -> None:
    runner = CliRunner()
    for command in (
        ["--help"],
        ["serve", "--help"],
        ["deploy", "--help"],
        ["trigger", "--help"],
        ["sim", "demo", "--help"],
    ):
        result = runner.invoke(app, command, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert not re.search(r"<(bool|str|int|path|float)[^>]*>", result.output), result.output
    serve = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--port\s+PORT", serve) and re.search(r"--quiet\s+-q\s+Log", serve)


def test_a_bare_deploy_says_it_deploys() -> None:
    result = CliRunner().invoke(app, ["deploy", "--help"], env={"COLUMNS": "200"})
    assert "Without a subcommand, deploys" in result.output


def test_docs_build_without_graphviz_is_one_line(tmp_path: Path) -> None:
    result = run_cli("docs", "build", "--out", str(tmp_path / "docs"), env={"PATH": str(tmp_path)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        "error: graphviz's `dot` is not installed (needed to lay out docs/architecture.svg): "
        "apt-get install graphviz (macOS: brew install graphviz)"
    )


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run_cli("--debug", "docs", "build", "--out", str(tmp_path / "docs"), env={"PATH": str(tmp_path)})
    assert result.returncode == 1 and "Traceback" in result.stderr and "MissingToolError" in result.stderr


def test_codegen_without_the_dev_extras_is_one_line() -> None:
    code = HIDE.format(name="datamodel_code_generator") + "; from wingcloud.cli import main; main()"
    result = _python(code, "spec", "codegen", "--check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "'datamodel_code_generator' is missing" in result.stderr and "pip install -e '.[dev]'" in result.stderr


def test_docs_traces_without_pytest_is_one_line() -> None:
    code = "import sys; sys.modules['pytest'] = None; from wingcloud.cli import main; main()"
    result = _python(code, "docs", "traces", "--check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "'pytest' is missing" in result.stderr and "pip install -e '.[dev]'" in result.stderr


def _python(code: str, *args: str):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from tests.adapters.local.process import ROOT

    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
