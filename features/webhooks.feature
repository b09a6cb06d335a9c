Feature: GitHub webhooks at the edge
  Deliveries become small domain events; everything wing.cloud does not use is acknowledged and dropped with
  the reason; a delivery id is processed once; a delivery that is not a GitHub App's is rejected, not a crash.

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And an app "hello" of codertocat on Codertocat/Hello-World

  Scenario Outline: Events wing.cloud does not use are acknowledged and dropped with a reason
    When the webhook "<fixture>" is delivered
    Then the delivery was ignored because "<reason>"
    And the delivery published only WebhookIgnored
    And the console feed shows the ignored delivery
    And the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment

    Examples:
      | fixture                                              | reason                               |
      | ping.json                                            | ping                                 |
      | pull_request.labeled.json                            | action 'labeled' changes no environment |
      | issues.opened.json                                   | issues are not used                  |
      | check_suite.requested.json                           | checks are not used                  |
      | installation.created.json                            | installation events are not used     |
      | pull_request.converted_to_draft.no-installation.json | action 'converted_to_draft'          |

  Scenario: A redelivered webhook is processed once
    When the webhook "pull_request.opened.json" is delivered as "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    And the webhook "pull_request.opened.json" is delivered as "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    Then app "hello" has 1 running preview for pull request #2
    And PullRequestOpened was published 1 time

  @derived_payload
  Scenario: A delivery without an installation is rejected with the reason
    When the webhook "pull_request.opened.json" without its installation is delivered
    Then the delivery is rejected because "has no installation.id"
    And app "hello" has 0 previews for pull request #2

  Scenario: A delivery whose body is not JSON is rejected with the reason
    When a pull_request delivery with the body "{not json" arrives
    Then the delivery is rejected because "body is not valid JSON"
    And app "hello" has 0 previews for pull request #2

  Scenario: The GitHub App's webhook points at wing.cloud once it starts
    Then the GitHub App's webhook URL is "http://127.0.0.1:8080/webhooks/github"
