Feature: Apps bind a repository to wing.cloud
  An app is created through the API with a name, an owner/repo, a default branch, an entrypoint and the
  GitHub App installation. It gets a production environment; deleting it stops and deletes them all.

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e

  Scenario: Creating an app gives it a running production environment
    When codertocat creates the app "hello" on Codertocat/Hello-World with entrypoint main.w
    Then the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 1st deployment
    And the production environment of "hello" follows branch master
    And the production environment of "hello" has DNS records api, website
    And no pull request comment was posted

  Scenario Outline: An invalid app is refused, naming the field
    When codertocat creates an app with <field> "<value>"
    Then the app is refused because of its <field>
    And there are no apps

    Examples:
      | field          | value        |
      | name           | hello world  |
      | repository     | Hello-World  |
      | entrypoint     | main.py      |
      | default_branch | gh-pages     |

  Scenario: Deleting an app stops and deletes every environment and cleans DNS
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And the webhook "pull_request.opened.json" was delivered
    When the app "hello" is deleted
    Then there are no environments
    And 2 environments were stopped because app-deleted, then deleted
    And fly.io destroyed the app of every environment it ran
    And no DNS record remains
    And the comment of "hello" on pull request #2 of Codertocat/Hello-World shows "This app was deleted"

  Scenario: Changing the entrypoint redeploys the app's environments with it
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And the webhook "pull_request.opened.json" was delivered
    When the entrypoint of "hello" is changed to src/main.w
    Then the production environment of "hello" is running at f95f852bd8fca8fcc58a9a2d6c842781e32a215e on its 2nd deployment
    And the live preview of "hello" for pull request #2 is running at ec26c3e57ca3a959ca5aad62de7213c562f8c821 on its 2nd deployment
    And the latest machine of every environment of "hello" runs entrypoint src/main.w

  @derived_payload
  Scenario: A new entrypoint redeploys the live environments and never revives a stopped preview
    Given an app "hello" of codertocat on Codertocat/Hello-World
    And pull request #2 was opened from branch changes at ec26c3e57ca3a959ca5aad62de7213c562f8c821
    And pull request #3 was opened from branch other at ec26c3e57ca3a959ca5aad62de7213c562f8c821
    And pull request #3 was closed
    When the entrypoint of "hello" is changed to src/main.w
    Then the production environment of "hello" runs entrypoint src/main.w
    And the preview of "hello" for pull request #2 runs entrypoint src/main.w
    And app "hello" has 1 stopped preview for pull request #3
    And the stopped preview of "hello" for pull request #3 got no deploy after it stopped
