Feature: GitLab webhooks at the edge
  GitLab's merge request and push hooks become the same small domain events as GitHub's, with provider
  gitlab; everything wing.cloud does not act on is acknowledged and dropped with the reason; one delivery
  (GitLab's Idempotency-Key, the same on every retry) is processed once. Payloads are GitLab's documented
  examples (tests/fixtures/gitlab); a derived one says so in its name.

  Background:
    Given the gitlab repository gitlabhq/gitlab-test has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And a gitlab app "hello" of codertocat on gitlabhq/gitlab-test

  @derived_payload
  Scenario Outline: Hooks wing.cloud does not act on are acknowledged and dropped with a reason
    When the gitlab webhook "<fixture>" is delivered
    Then the delivery was ignored because "<reason>"
    And the delivery published only WebhookIgnored
    And the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment

    Examples:
      | fixture                                 | reason                                |
      | note.merge_request.json                 | comments are not used by wing.cloud   |
      | merge_request.update.title.derived.json | update without new commits            |
      | push.branch-deleted.derived.json        | branch feature was deleted            |

  Scenario: A retry of one GitLab delivery (the same Idempotency-Key) is processed once
    When the gitlab webhook "merge_request.open.json" is delivered as "3c1b0d12-5e5a-4d6b-9a77-0f3e2a1b4c5d"
    And the gitlab webhook "merge_request.open.json" is delivered as "3c1b0d12-5e5a-4d6b-9a77-0f3e2a1b4c5d"
    Then app "hello" has 1 running preview for pull request #1
    And PullRequestOpened was published 1 time

  @derived_payload
  Scenario: A merge request closed without merging stops its preview, and its note says so
    When the gitlab webhook "merge_request.open.json" is delivered
    And the gitlab webhook "merge_request.close.derived.json" is delivered
    Then the preview of "hello" for pull request #1 is stopped
    And the gitlab comment of "hello" on pull request #1 of gitlabhq/gitlab-test shows "stopped"
    And nothing was said on github
