@security
Feature: Secrets reach the runtime and nothing else
  Secrets are stored per app and environment type, encrypted at rest (AES-GCM under a KMS-wrapped data key),
  listed masked, and read in plaintext only by the runtime at deploy time, to hand them to fly.io.

  Background:
    Given the repository Codertocat/Hello-World has master at f95f852bd8fca8fcc58a9a2d6c842781e32a215e
    And an app "hello" of codertocat on Codertocat/Hello-World

  Scenario: A preview gets its secrets from fly.io, and no event, trace, log or feed item holds them
    Given log records of every level are kept
    Given codertocat stores the preview secret API_TOKEN of "hello" as "s3cr3t-preview-4a7f9c"
    And codertocat stores the production secret API_TOKEN of "hello" as "s3cr3t-production-81be"
    When the webhook "pull_request.opened.json" is delivered
    Then fly.io gave the preview of "hello" for pull request #2 the secret API_TOKEN = "s3cr3t-preview-4a7f9c"
    And the machine of the preview of "hello" for pull request #2 names the secret API_TOKEN without its value
    And no published event, trace record, dead letter, log or feed item contains "s3cr3t-preview-4a7f9c"
    And no published event, trace record, dead letter, log or feed item contains "s3cr3t-production-81be"
    And the secret store holds neither value in plaintext
    And the secrets of "hello" are listed masked
    And SecretCreated was published 2 times, naming API_TOKEN only

  Scenario: Deleting an app deletes its secrets
    Given codertocat stores the preview secret API_TOKEN of "hello" as "s3cr3t-preview-4a7f9c"
    And codertocat stores the production secret API_TOKEN of "hello" as "s3cr3t-production-81be"
    When the app "hello" is deleted
    Then the secret store holds no secret any more

  Scenario: A secret changed while a preview runs takes effect at its next deploy, not before
    Given codertocat stores the preview secret API_TOKEN of "hello" as "first-value-1234"
    And the webhook "pull_request.opened.json" was delivered
    When codertocat changes the preview secret API_TOKEN of "hello" to "second-value-5678"
    Then no deploy was requested after the change
    And fly.io gave the preview of "hello" for pull request #2 the secret API_TOKEN = "first-value-1234"
    When codertocat asks to redeploy the preview of "hello" for pull request #2
    Then fly.io gave the preview of "hello" for pull request #2 the secret API_TOKEN = "second-value-5678"
