"""`wingcloud sim demo` plays the main workflow on the simulator and shows it."""

from typer.testing import CliRunner

from wingcloud.cli import app


def test_the_demo_reaches_running_then_stops_the_preview() -> None:
    result = CliRunner().invoke(app, ["sim", "demo"])
    assert result.exit_code == 0, result.output
    opened, closed = result.output.split("after the pull request closed")
    assert "preview" in opened and "running" in opened
    assert "stopped" in closed
    assert "PullRequestOpened" in result.output and "-> environments" in result.output
    assert "0 dead letters" in result.output


def test_the_demo_is_correct_under_chaos() -> None:
    result = CliRunner().invoke(app, ["sim", "demo", "--chaos", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "0 dead letters" in result.output
    assert "stopped" in result.output.split("after the pull request closed")[1]
