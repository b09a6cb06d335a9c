"""What generates and deploys the stack: the template from the spec, IAM, schemas, the Lambda package."""
