Feature: Deployments, runtime reports and their fencing
  The runtime (fly.io) reports each deployment's progress; the environment manager applies a report only
  to the current deployment of a live environment, through the transition table, and records the rest.

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And an app "hello" of codertocat on Codertocat/Hello-World

  Scenario: A preview deploys to running with endpoints, DNS records, a PR comment, logs and console updates
    When the webhook "pull_request.opened.json" is delivered
    Then the preview of "hello" for pull request #2 went through initializing, deploying, running-tests, running-server, running
    And the preview of "hello" for pull request #2 serves website and api on fly.dev
    And the preview of "hello" for pull request #2 has DNS records api, website
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World shows "running ✅"
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World links the preview's DNS names and its console page where there is one
    And the log of the preview of "hello" for pull request #2 shows "pass main.w:sends a message"
    And the console feed shows the preview of "hello" for pull request #2 running

  Scenario: Test failures still reach running
    Given the fake runtime plays "test-failure"
    When the webhook "pull_request.opened.json" is delivered
    Then the preview of "hello" for pull request #2 went through initializing, deploying, running-tests, tests-error, running
    And the preview of "hello" for pull request #2 has a failed test "main.w:sends a message"
    And the preview of "hello" for pull request #2 has DNS records api, website

  Scenario: A compile error ends in error
    Given the fake runtime plays "compile-error"
    When the webhook "pull_request.opened.json" is delivered
    Then the preview of "hello" for pull request #2 is in error with "Compilation failed"
    And the preview of "hello" for pull request #2 has no DNS records
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World shows "error ❌"

  Scenario: A provisioning failure ends in error
    Given fly.io refuses the next machine with "422: app name wc-env-00002 is already taken"
    When the webhook "pull_request.opened.json" is delivered
    Then the preview of "hello" for pull request #2 is in error with "422: app name wc-env-00002 is already taken"
    And the delivery caused PullRequestOpened, EnvironmentDeployRequested, RuntimeProvisioningFailed, EnvironmentStatusChanged

  Scenario: A manual redeploy of a running preview deploys it again and clears its log
    Given the webhook "pull_request.opened.json" was delivered
    When codertocat asks to redeploy the preview of "hello" for pull request #2
    Then the live preview of "hello" for pull request #2 is running at ec26c3e57ca3a959ca5aad62de7213c562f8c821 on its 2nd deployment
    And the log of the preview of "hello" for pull request #2 shows only its current deployment

  Scenario: A manual redeploy of a preview in error deploys it again
    Given the fake runtime plays "compile-error"
    And the webhook "pull_request.opened.json" was delivered
    And the fake runtime plays "success"
    When codertocat asks to redeploy the preview of "hello" for pull request #2
    Then the live preview of "hello" for pull request #2 is running at ec26c3e57ca3a959ca5aad62de7213c562f8c821 on its 2nd deployment

  Scenario Outline: A manual redeploy is refused unless running or in error
    Given the preview of "hello" for pull request #2 is <state>
    When codertocat asks to redeploy the preview of "hello" for pull request #2
    Then the redeploy is refused because the preview is <status>
    And the preview of "hello" for pull request #2 is still on its 1st deployment

    Examples:
      | state          | status    |
      | still deploying | deploying |
      | stopped        | stopped   |

  Scenario: A user stops a running preview: runtime, DNS records and logs follow
    Given the webhook "pull_request.opened.json" was delivered
    When codertocat asks to stop the preview of "hello" for pull request #2
    Then the preview of "hello" for pull request #2 is stopped
    And each preview for pull request #2 was stopped once, because manual
    And fly.io destroyed the app of every preview
    And the preview of "hello" for pull request #2 has no DNS records
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World shows "stopped"

  Scenario: A stop is refused for a stopped environment
    Given the preview of "hello" for pull request #2 is stopped
    When codertocat asks to stop the preview of "hello" for pull request #2
    Then the stop is refused because the preview is stopped

  @rfc_bug
  Scenario: A late report after a stop is rejected and does not revive the environment
    Given the webhook "pull_request.opened.json" was delivered
    And the webhook "pull_request.closed.json" was delivered
    When the runtime reports running for the current deployment of the preview of "hello" for pull request #2
    Then the preview of "hello" for pull request #2 is stopped
    And the report was rejected because environment-stopped
    And the preview of "hello" for pull request #2 has no DNS records

  @rfc_bug
  Scenario: A report from an old deployment is rejected
    Given the webhook "pull_request.opened.json" was delivered
    And codertocat asked to redeploy the preview of "hello" for pull request #2
    When the runtime reports error for the 1st deployment of the preview of "hello" for pull request #2
    Then the live preview of "hello" for pull request #2 is running at ec26c3e57ca3a959ca5aad62de7213c562f8c821 on its 2nd deployment
    And the report was rejected because stale-deployment

  @rfc_bug
  Scenario Outline: A stop racing a running report still stops
    Given the fake runtime plays "silent"
    And the webhook "pull_request.opened.json" was delivered
    And the runtime reported deploying, running-tests, running-server for the preview of "hello" for pull request #2
    When the running report and the close of pull request #2 arrive together, <first> first
    Then the preview of "hello" for pull request #2 is stopped
    And the preview of "hello" for pull request #2 has no DNS records
    And no preview for pull request #2 lists endpoints
    And fly.io destroyed the app of every preview
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World shows "stopped"

    Examples:
      | first      |
      | the report |
      | the close  |

  # --- edge cases of the original system (docs/decisions/0011-edge-cases.md) ---------------------------------

  Scenario: Error is final for its deployment: a later running report is rejected
    Given the fake runtime plays "compile-error"
    And the webhook "pull_request.opened.json" was delivered
    When the runtime reports running for the current deployment of the preview of "hello" for pull request #2
    Then the preview of "hello" for pull request #2 is in error with "Compilation failed"
    And the report was rejected because transition-not-allowed
    And the preview of "hello" for pull request #2 has no DNS records

  Scenario: A branch deleted before the runtime reports stops the preview, and the late reports change nothing
    Given the fake runtime plays "silent"
    And the webhook "pull_request.opened.json" was delivered
    When the branch changes of Codertocat/Hello-World is deleted
    And the webhook "pull_request.closed.json" is delivered
    And the runtime reports running for the current deployment of the preview of "hello" for pull request #2
    Then the preview of "hello" for pull request #2 is stopped
    And the report was rejected because environment-stopped
    And the preview of "hello" for pull request #2 has no DNS records
