"""The state ports on AWS: DynamoDB tables, the S3 logs bucket and the KMS key."""

from adapters.eventbridge.function.state.apps import DynamoApps
from adapters.eventbridge.function.state.aws import KmsKeyService, S3BlobStore
from adapters.eventbridge.function.state.environments import DynamoEnvironments
from adapters.eventbridge.function.state.records import (
    DynamoFeed,
    DynamoKeyValue,
    DynamoLedger,
    DynamoSecretStore,
    LedgerEntry,
)
from adapters.eventbridge.function.state.usage import DynamoUsage

__all__ = [
    "DynamoApps",
    "DynamoEnvironments",
    "DynamoFeed",
    "DynamoKeyValue",
    "DynamoLedger",
    "DynamoSecretStore",
    "DynamoUsage",
    "KmsKeyService",
    "LedgerEntry",
    "S3BlobStore",
]
