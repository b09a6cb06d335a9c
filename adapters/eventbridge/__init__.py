"""The EventBridge backend: CloudFormation from the spec, PutEvents publisher, Lambda entry, DynamoDB state."""
