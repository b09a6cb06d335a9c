@decision
Feature: Pushes redeploy production; previews follow synchronize
  The routing table of docs/decisions/0001-push-routing.md: a push to an environment's branch redeploys
  production and leaves previews to the pull request's synchronize. Redeploys are idempotent per
  (environment, sha). Tags and branch deletions deploy nothing.

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And an app "hello" of codertocat on Codertocat/Hello-World

  Scenario: A push to the default branch redeploys production and records the last commit
    When the webhook "push.new-branch.json" is delivered
    Then the production environment of "hello" is running at 6113728f27ae82c7b1a177c8d03f9e96e0adf246 on its 2nd deployment
    And app "hello" has last commit 6113728f27ae82c7b1a177c8d03f9e96e0adf246 "Initial commit"
    And the delivery caused BranchPushed, AppLastCommitUpdated, EnvironmentDeployRequested

  Scenario: A push to the default branch that production already runs deploys nothing
    Given the webhook "push.new-branch.json" was delivered
    When the webhook "push.new-branch.json" is delivered under another delivery id
    Then the production environment of "hello" is running at 6113728f27ae82c7b1a177c8d03f9e96e0adf246 on its 2nd deployment

  @derived_payload
  Scenario Outline: A push to a pull request's branch and its synchronize deploy the preview once, in either order
    Given pull request #2 was opened from branch changes at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    When <first> arrives
    And <second> arrives
    Then the live preview of "hello" for pull request #2 is running at ec26c3e57ca3a959ca5aad62de7213c562f8c821 on its 2nd deployment
    And no deploy was caused by a BranchPushed
    And the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment

    Examples:
      | first                                              | second                                             |
      | the push of ec26c3e57ca3a959ca5aad62de7213c562f8c821 to changes | the synchronize of pull request #2                 |
      | the synchronize of pull request #2                 | the push of ec26c3e57ca3a959ca5aad62de7213c562f8c821 to changes |

  Scenario: A push of a tag deploys nothing
    When the webhook "push.tag.json" is delivered
    Then the delivery was ignored because "tags deploy nothing"
    And the delivery published only WebhookIgnored
    And the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment

  @derived_payload
  Scenario: Deleting a branch deploys nothing and leaves its preview running
    Given the webhook "pull_request.opened.json" was delivered
    When the branch changes of Codertocat/Hello-World is deleted
    Then the delivery was ignored because "branch changes was deleted"
    And the delivery published only WebhookIgnored
    And app "hello" has 1 running preview for pull request #2
