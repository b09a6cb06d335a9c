Feature: Usage is metered in running seconds, exactly
  The usage service meters each environment from its running status to its next other status or its stop,
  on the environment manager's own timestamps (occurred_at), per app, environment type and UTC day
  (docs/decisions/0013-usage-metering.md). Every figure is checked against the status history the environment
  manager published, to the microsecond; without chaos, the figures are also the round numbers the scenario
  names (with chaos, delayed deliveries move the status changes themselves, so only the history can say).

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And an app "hello" of codertocat on Codertocat/Hello-World

  Scenario: A preview is metered from running until its pull request closes
    Given the webhook "pull_request.opened.json" was delivered
    When 2 hours pass
    And the webhook "pull_request.closed.json" is delivered
    And 3 hours pass
    Then the preview of "hello" for pull request #2 ran 7200 seconds
    And the production environment of "hello" ran 18000 seconds
    And "hello" ran 25200 seconds in all: 18000 of production, 7200 of previews

  Scenario: A redeploy goes on metering once the new deployment runs
    Given 1 hours passed
    When the webhook "push.new-branch.json" is delivered
    And 1 hours pass
    Then the production environment of "hello" is running at 6113728f27ae82c7b1a177c8d03f9e96e0adf246 on its 2nd deployment
    And the production environment of "hello" ran 7200 seconds

  Scenario: A deployment that fails ends the running time
    Given 1 hours passed
    And the fake runtime plays "compile-error"
    When the webhook "push.new-branch.json" is delivered
    And 2 hours pass
    Then the production environment of "hello" is in error
    And the production environment of "hello" ran 3600 seconds

  Scenario: A user's stop ends the running time
    Given 1 hours passed
    When codertocat stops the production environment of "hello"
    And 4 hours pass
    Then the production environment of "hello" ran 3600 seconds

  Scenario: Running time is split at UTC midnight
    When 20 hours pass
    Then "hello" ran 64800 seconds of production on 2026-11-28
    And "hello" ran 7200 seconds of production on 2026-11-29
