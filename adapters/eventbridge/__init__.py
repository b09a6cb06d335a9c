"""The EventBridge backend, in three parts that never mix:

- `function/`: what runs in Lambda (the entry point, the consumer driving the kernel over SQS records and
  PutEvents, the DynamoDB/S3/KMS state ports). The Lambda package holds this, the kernel and the services.
- `stack/`: what generates and deploys the stack (CloudFormation from the spec, IAM, schemas, the package).
- `offline/`: the test harness (a moto server, Lambda's queue polling played in-process, a world for the
  scenarios).
"""
