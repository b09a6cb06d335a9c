"""The state ports on AWS: DynamoDB tables, the S3 logs bucket and the KMS key."""

from adapters.eventbridge.state.apps import DynamoApps
from adapters.eventbridge.state.aws import KmsKeyService, S3BlobStore
from adapters.eventbridge.state.environments import DynamoEnvironments
from adapters.eventbridge.state.records import (
    DeferredDedupe,
    DynamoDedupe,
    DynamoFeed,
    DynamoKeyValue,
    DynamoOutbox,
    DynamoSecretStore,
)

__all__ = [
    "DeferredDedupe",
    "DynamoApps",
    "DynamoDedupe",
    "DynamoEnvironments",
    "DynamoFeed",
    "DynamoKeyValue",
    "DynamoOutbox",
    "DynamoSecretStore",
    "KmsKeyService",
    "S3BlobStore",
]
