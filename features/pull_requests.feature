Feature: Pull requests get preview environments
  Every app bound to a repository gets one preview per pull request, for its head branch. Synchronize
  redeploys the live previews of that pull request; closing stops them. Payloads are GitHub's recorded
  deliveries (tests/fixtures/github); a derived payload says so in its step.

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e

  Scenario: A pull request on a repository with one app gets a running preview
    Given an app "hello" of codertocat on Codertocat/Hello-World
    When the webhook "pull_request.opened.json" is delivered
    Then app "hello" has 1 running preview for pull request #2
    And the preview of "hello" for pull request #2 follows branch changes at ec26c3e57ca3a959ca5aad62de7213c562f8c821
    And the delivery caused PullRequestOpened, EnvironmentCreated, EnvironmentDeployRequested, RuntimeProvisioned
    And fly.io runs 1 machine for the preview of "hello" for pull request #2

  Scenario: Two apps of different users on the same repository each get a preview and a comment
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And an app "hello-too" of octocat on Codertocat/Hello-World
    When the webhook "pull_request.opened.json" is delivered
    Then app "hello" has 1 running preview for pull request #2
    And app "hello-too" has 1 running preview for pull request #2
    And pull request #2 of Codertocat/Hello-World has 2 comments, one per app

  Scenario: A pull request on a repository without apps changes nothing
    When the webhook "pull_request.opened.json" is delivered
    Then there are no environments
    And the delivery caused PullRequestOpened
    And no EnvironmentCreated was published

  @derived_payload
  Scenario: A pull request from a fork gets no preview
    Given an app "hello" of codertocat on Codertocat/Hello-World
    When pull request #2 is opened from the fork octocat/Hello-World
    Then app "hello" has 0 previews for pull request #2
    And the delivery caused PullRequestOpened
    And no EnvironmentCreated was published for a preview

  Scenario: The same pull request opened by two deliveries still has one preview
    Given an app "hello" of codertocat on Codertocat/Hello-World
    When the webhook "pull_request.opened.json" is delivered
    And the webhook "pull_request.opened.null-body.json" is delivered
    Then app "hello" has 1 running preview for pull request #2
    And EnvironmentCreated was published 1 time for a preview

  Scenario: A reopened pull request gets a new preview and the stopped one is left alone
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And the webhook "pull_request.opened.json" was delivered
    And the webhook "pull_request.closed.json" was delivered
    When the webhook "pull_request.reopened.json" is delivered
    Then app "hello" has 1 running preview for pull request #2
    And app "hello" has 1 stopped preview for pull request #2
    And the first preview of "hello" was not touched after it stopped

  @derived_payload
  Scenario: Synchronize redeploys only the live previews of that pull request
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And pull request #2 was opened from branch changes at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And the webhook "pull_request.closed.json" was delivered
    And pull request #2 was reopened from branch changes at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And pull request #3 was opened from branch other at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    When the webhook "pull_request.synchronize.json" is delivered
    Then the live preview of "hello" for pull request #2 is running at ec26c3e57ca3a959ca5aad62de7213c562f8c821 on its 2nd deployment
    And the first preview of "hello" was not touched after it stopped
    And the live preview of "hello" for pull request #3 is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment
    And the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment

  Scenario Outline: Closing a pull request stops its previews, merged or not, and skips stopped ones
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And an app "hello-too" of octocat on Codertocat/Hello-World
    And the webhook "pull_request.opened.json" was delivered
    When the webhook "<fixture>" is delivered
    And the webhook "<fixture>" is delivered under another delivery id
    Then every preview for pull request #2 is stopped
    And each preview for pull request #2 was stopped once, because pull-request-closed
    And the production environment of "hello" is running
    And the production environment of "hello-too" is running
    And no DNS record of a preview remains
    And no preview for pull request #2 lists endpoints
    And fly.io destroyed the app of every preview
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World shows "stopped"
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World links no endpoints
    And the logs of every preview are purged

    Examples:
      | fixture                                 |
      | pull_request.closed.json                |
      | pull_request.closed.merged.derived.json |

  # --- edge cases of the original system (docs/decisions/0011-edge-cases.md) ---------------------------------

  @derived_payload
  Scenario: A pull request opened before its app existed gets a preview only when it is reopened
    Given pull request #2 was opened from branch changes at ec26c3e57ca3a959ca5aad62de7213c562f8c821
    And an app "hello" of codertocat on Codertocat/Hello-World
    When pull request #2 gets new commits at 5b4f7e03fd2bd2b7ffcd0e3b1b4c2a1d9f6e8a70
    Then app "hello" has 0 previews for pull request #2
    When pull request #2 is reopened from branch changes at 5b4f7e03fd2bd2b7ffcd0e3b1b4c2a1d9f6e8a70
    Then app "hello" has 1 running preview for pull request #2

  @derived_payload
  Scenario: After the repository is renamed its webhooks reach no app until the app is bound again
    Given an app "hello" of codertocat on Codertocat/Hello-World
    When pull request #2 is opened on the renamed repository Codertocat/Hello-Wing
    Then app "hello" has 0 previews for pull request #2
    And the delivery caused PullRequestOpened

  @derived_payload
  Scenario: A pull request into a branch other than the default one gets a preview too
    Given an app "hello" of codertocat on Codertocat/Hello-World
    When pull request #5 into release/1.x is opened from branch fix/login at ec26c3e57ca3a959ca5aad62de7213c562f8c821
    Then app "hello" has 1 running preview for pull request #5
    And the preview of "hello" for pull request #5 follows branch fix/login at ec26c3e57ca3a959ca5aad62de7213c562f8c821
    And the preview of "hello" for pull request #5 has DNS records for website and api

  @derived_payload
  Scenario: Closing a pull request whose head is the default branch leaves production running
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And pull request #4 was opened from branch master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    When pull request #4 is closed
    Then app "hello" has 1 stopped preview for pull request #4
    And the production environment of "hello" is running
    And the production environment of "hello" was never stopped

  @derived_payload
  Scenario Outline: On <provider>, a pull request gets a preview and a comment, new commits redeploy it, merging stops it
    Given the <provider> repository <repository> has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And a <provider> app "web" of codertocat on <repository>
    When pull request #<number> on <provider> is opened from branch feature at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    Then app "web" has 1 running preview for pull request #<number>
    And the delivery caused PullRequestOpened, EnvironmentCreated, EnvironmentDeployRequested, RuntimeProvisioned
    And the <provider> comment of "web" on pull request #<number> of <repository> shows "running"
    And nothing was said on <other>
    When commits up to ec26c3e57ca3a959ca5aad62de7213c562f8c821 are pushed to pull request #<number> on <provider>
    Then the live preview of "web" for pull request #<number> is running at ec26c3e57ca3a959ca5aad62de7213c562f8c821 on its 2nd deployment
    When pull request #<number> on <provider> is merged
    Then each preview for pull request #<number> was stopped once, because pull-request-closed
    And the <provider> comment of "web" on pull request #<number> of <repository> shows "stopped"
    And nothing was said on <other>

    Examples:
      | provider | other  | repository          | number |
      | github   | gitlab | Codertocat/Web      | 7      |
      | gitlab   | github | gitlabhq/gitlab-test | 1      |

  Scenario Outline: A pull request as <provider> records it gets a running preview and one comment
    Given the <provider> repository <repository> has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And a <provider> app "web" of codertocat on <repository>
    When the <provider> webhook "<fixture>" is delivered
    Then app "web" has 1 running preview for pull request #<number>
    And the <provider> comment of "web" on pull request #<number> of <repository> shows "running"

    Examples:
      | provider | repository             | fixture                  | number |
      | github   | Codertocat/Hello-World | pull_request.opened.json | 2      |
      | gitlab   | gitlabhq/gitlab-test   | merge_request.open.json  | 1      |

  Scenario: A GitLab merge request leaves GitHub alone, even on a repository of the same name
    Given the github repository gitlabhq/gitlab-test has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And the gitlab repository gitlabhq/gitlab-test has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And a github app "on-github" of codertocat on gitlabhq/gitlab-test
    And a gitlab app "on-gitlab" of codertocat on gitlabhq/gitlab-test
    When the gitlab webhook "merge_request.open.json" is delivered
    Then app "on-gitlab" has 1 running preview for pull request #1
    And app "on-github" has 0 previews for pull request #1
    And nothing was said on github
    And the gitlab comment of "on-gitlab" on pull request #1 of gitlabhq/gitlab-test shows "running"
