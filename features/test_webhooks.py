"""Steps of webhooks.feature."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then, when

from features import queries as q
from features.conftest import EdgeAnswer
from services.github import WebhookRejectedError
from sim.world import WorldLike

scenarios("webhooks.feature")


def attempt(world: WorldLike, event_name: str, body: bytes, delivery_id: str) -> EdgeAnswer:
    try:
        correlation_id = world.deliver_webhook(event_name, body, delivery_id)
    except WebhookRejectedError as error:
        return EdgeAnswer(correlation_id=delivery_id, error=error)
    world.run()
    return EdgeAnswer(correlation_id)


@when(parsers.parse('the webhook "{fixture}" without its installation is delivered'), target_fixture="answer")
def without_installation(world: WorldLike, fixture: str) -> EdgeAnswer:
    """DERIVED: the recorded body minus `installation` (the shape of a repository webhook)."""
    payload = q.fixture_json(fixture)
    del payload["installation"]
    return attempt(world, q.MANIFEST[fixture], q.as_body(payload), "no-installation-1")


@when(parsers.parse('a {event_name} delivery with the body "{body}" arrives'), target_fixture="answer")
def malformed(world: WorldLike, event_name: str, body: str) -> EdgeAnswer:
    """Whatever bytes arrive under a valid signature."""
    return attempt(world, event_name, body.encode(), "malformed-1")


@then(parsers.parse('the delivery is rejected because "{reason}"'))
def rejected(world: WorldLike, answer: EdgeAnswer, reason: str) -> None:
    """A clear error (the endpoint answers 400), and nothing published."""
    assert isinstance(answer.error, WebhookRejectedError), answer
    assert reason in str(answer.error)
    assert q.caused_by(world, str(answer.correlation_id)) == []


@then("the console feed shows the ignored delivery")
def feed_shows_ignored(world: WorldLike, answer: EdgeAnswer) -> None:
    """notifications shows why nothing happened."""
    assert [i.kind for i in world.feed() if i.subject == answer.correlation_id] == ["WebhookIgnored"]


@then(parsers.parse('the GitHub App\'s webhook URL is "{url}"'))
def webhook_url(world: WorldLike, url: str) -> None:
    """The preflight ran when the system started, once."""
    assert world.github.webhook_url == url
    assert [c.args for c in world.github.called("update_webhook_url")] == [(url,)]
