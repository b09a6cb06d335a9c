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

  Scenario Outline: A push of a tag deploys nothing, on <provider>
    When the <provider> webhook "<fixture>" is delivered
    Then the delivery was ignored because "tags deploy nothing"
    And the delivery published only WebhookIgnored
    And the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment

    Examples:
      | provider | fixture       |
      | github   | push.tag.json |
      | gitlab   | tag_push.json |

  @derived_payload
  Scenario Outline: On <provider>, a push to the default branch redeploys production, and to another branch nothing
    Given the <provider> repository <repository> has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And a <provider> app "web" of codertocat on <repository>
    When da1560886d4f094c3e6c9ef40349f7d38b5d27d7 is pushed to master of <repository> on <provider> with the message "fixed readme"
    Then the production environment of "web" is running at da1560886d4f094c3e6c9ef40349f7d38b5d27d7 on its 2nd deployment
    And app "web" has last commit da1560886d4f094c3e6c9ef40349f7d38b5d27d7 "fixed readme"
    And the delivery caused BranchPushed, AppLastCommitUpdated, EnvironmentDeployRequested
    When 0b4bc9a49b562e85de7cc9e834518ea6828729b9 is pushed to other of <repository> on <provider> with the message "wip"
    Then the production environment of "web" is running at da1560886d4f094c3e6c9ef40349f7d38b5d27d7 on its 2nd deployment
    And the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment

    Examples:
      | provider | repository    |
      | github   | Codertocat/Web |
      | gitlab   | mike/diaspora |

  Scenario: GitLab's documented push redeploys the production of the app on that project
    Given the gitlab repository mike/diaspora has master at 95790bf891e76fee5e1747ab589903a6a1f80f22
    And a gitlab app "diaspora" of mike on mike/diaspora
    When the gitlab webhook "push.json" is delivered
    Then the production environment of "diaspora" is running at da1560886d4f094c3e6c9ef40349f7d38b5d27d7 on its 2nd deployment
    And app "diaspora" has last commit da1560886d4f094c3e6c9ef40349f7d38b5d27d7 "fixed readme"

  @derived_payload
  Scenario: Deleting a branch deploys nothing and leaves its preview running
    Given the webhook "pull_request.opened.json" was delivered
    When the branch changes of Codertocat/Hello-World is deleted
    Then the delivery was ignored because "branch changes was deleted"
    And the delivery published only WebhookIgnored
    And app "hello" has 1 running preview for pull request #2
