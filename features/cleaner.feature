Feature: The cleaner stops stale previews
  Every hour the cleaner asks the environment manager to stop previews untouched for 7 days. A stopped
  preview is never stopped again; production environments are never stale.

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And an app "hello" of codertocat on Codertocat/Hello-World

  Scenario: A preview untouched for 7 days is stopped once
    Given the webhook "pull_request.opened.json" was delivered
    When 8 days pass
    Then app "hello" has 1 stopped preview for pull request #2
    And each preview for pull request #2 was stopped once, because stale-preview
    And the production environment of "hello" is running
    # a stopped preview turns "stale" again 7 days after its stop: look past that, or a repeated stop hides
    When 10 days pass
    Then each preview for pull request #2 was stopped once, because stale-preview
    And CleanupDue was published at least 432 times

  @derived_payload
  Scenario: A preview redeployed within the week is kept
    Given pull request #2 was opened from branch changes at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And 5 days passed
    And the webhook "pull_request.synchronize.json" was delivered
    When 4 days pass
    Then app "hello" has 1 running preview for pull request #2
    And no EnvironmentStopped was published
