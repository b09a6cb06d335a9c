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


def test_the_demo_shows_each_event_once_and_marks_what_chaos_did() -> None:
    plain = CliRunner().invoke(app, ["sim", "demo"]).output
    timeline = plain.split("event timeline")[1].splitlines()[1:-1]
    assert all(line.startswith("+00:00.000  ") for line in timeline)  # nothing waits without chaos
    arrivals = [line for line in timeline if line.split()[1] in ("webhook", "report")]  # through a door
    assert len(arrivals) == 10  # two webhooks, four reports from each of the two deployments
    events = int(plain.split(" events published")[0].rsplit("\n", 1)[1])
    assert len(timeline) == events + len(arrivals)  # one line per event, one per arrival
    assert "-> environments, notifications" in plain and "  delivered  " not in plain
    chaotic = CliRunner().invoke(app, ["sim", "demo", "--chaos", "--seed", "3"]).output
    assert "(chaos: duplicate" in chaotic and "chaos: delayed" in chaotic
    every = CliRunner().invoke(app, ["sim", "demo", "--all"]).output
    assert "delivered" in every and len(every.splitlines()) > len(plain.splitlines())
