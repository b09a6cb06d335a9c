"""`wingcloud deploy`: the generated template deployed with CloudFormation through boto3.

The template is too large for an inline TemplateBody (51,200 bytes), so it goes to S3 with the Lambda package
and the stack is created (or updated) from its URL. Afterwards `complete()` checks what CloudFormation was
asked for and applies what is missing by direct API calls. On AWS this finds nothing to do; on moto 5 it
applies the SQS queue policies (moto's CloudFormation skips AWS::SQS::QueuePolicy) and the DynamoDB TTL
settings (ignored by moto's AWS::DynamoDB::Table), and notes that the schema registry could not be checked
(moto has neither AWS::EventSchemas resources nor the EventSchemas API).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.stack import iam, package
from adapters.eventbridge.stack.preflight import ensure_ingress_secret
from adapters.eventbridge.stack.template import render
from adapters.eventbridge.stack.topology import STORES, functions, pascal
from spec.contract import Contract


class DeployError(RuntimeError):
    """The stack did not reach a complete state; carries CloudFormation's reason."""


@dataclass(frozen=True)
class Deployment:
    """What a deployed stack is made of, by service and by store name, read from its outputs."""

    stack_name: str
    bus_name: str
    bus_arn: str
    registry_name: str
    functions: dict[str, str]
    queues: dict[str, str]
    dead_letter_queues: dict[str, str]
    stores: dict[str, str]
    archive_name: str | None = None
    ingress_function: str = ""
    ingress_url: str = ""
    webhook_url: str = ""
    alarm_topic: str = ""
    ingress_secret: str = ""
    notes: tuple[str, ...] = field(default=())


def deploy(
    contract: Contract,
    clients: AwsClients,
    *,
    stack_name: str = "wingcloud",
    bus_name: str = "wingcloud",
    artifacts_bucket: str | None = None,
    code: bytes | None = None,
    event_source_mappings: bool = True,
    outside_credentials_secret: str = "",
    emulator: bool = False,
    public_url: str = "",
    alarm_topic: str = "",
) -> Deployment:
    """Make the ingress secret, upload the package and template, create or update the stack, wait, then
    complete what is missing. `emulator`: the target (moto) lacks API Gateway v2 and CloudWatch alarms in
    CloudFormation, so the template leaves them out."""
    region = clients("s3").meta.region_name
    bucket = artifacts_bucket or _artifacts_bucket(clients, region)
    code = code if code is not None else package.build()
    code_key = f"lambda/{package.digest(code)}.zip"
    body = render(contract).encode()
    template_key = f"templates/{stack_name}-{package.digest(body)}.json"
    clients("s3").put_object(Bucket=bucket, Key=code_key, Body=code)
    clients("s3").put_object(Bucket=bucket, Key=template_key, Body=body)
    secret = ensure_ingress_secret(clients("secretsmanager"), stack_name)
    parameters = {
        "IngressSecretArn": secret.arn,
        "Emulator": "true" if emulator else "false",
        "PublicUrl": public_url,
        "AlarmTopicArn": alarm_topic,
        "BusName": bus_name,
        "CodeBucket": bucket,
        "CodeKey": code_key,
        "EventSourceMappingsEnabled": "true" if event_source_mappings else "false",
        "OutsideCredentialsSecretArn": outside_credentials_secret,
    }
    _apply_stack(clients, stack_name, f"https://{bucket}.s3.{region}.amazonaws.com/{template_key}", parameters)
    deployment = complete(contract, clients, read_deployment(contract, clients, stack_name))
    if secret.created:
        deployment = replace(deployment, notes=(*deployment.notes, f"made the ingress secret {secret.arn}"))
    return deployment


def read_deployment(contract: Contract, clients: AwsClients, stack_name: str) -> Deployment:
    """The deployment as its stack outputs describe it (keys are the template's logical ids)."""
    stack = clients("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    out = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    names = [f.service for f in functions(contract)]
    archives = clients("events").list_archives(EventSourceArn=out["BusArn"]).get("Archives", [])

    def per_service(suffix: str) -> dict[str, str]:
        return {name: out[pascal(name) + suffix] for name in names if pascal(name) + suffix in out}

    return Deployment(
        stack_name=stack_name,
        bus_name=out["BusName"],
        bus_arn=out["BusArn"],
        registry_name=out["SchemaRegistryName"],
        functions=per_service("FunctionName"),
        queues=per_service("QueueUrl"),
        dead_letter_queues=per_service("DeadLetterQueueUrl"),
        stores={store.name: out[store.logical_id] for store in STORES.values() if store.logical_id in out},
        archive_name=archives[0]["ArchiveName"] if archives else None,
        ingress_function=out.get("IngressFunctionName", ""),
        ingress_url=out.get("IngressUrl", ""),
        webhook_url=out.get("WebhookUrl", ""),
        alarm_topic=out.get("AlarmTopic", ""),
        ingress_secret=_parameter(stack, "IngressSecretArn"),
    )


def _parameter(stack: dict[str, Any], key: str) -> str:
    return next((str(p.get("ParameterValue", "")) for p in stack.get("Parameters", []) if p["ParameterKey"] == key), "")


def complete(contract: Contract, clients: AwsClients, deployment: Deployment) -> Deployment:
    """Apply by direct API calls what the stack should have but does not; record each action as a note."""
    notes: list[str] = []
    sqs, events, ddb = clients("sqs"), clients("events"), clients("dynamodb")
    for function in functions(contract):
        if not function.has_queue:
            continue
        queue, dlq = deployment.queues[function.service], deployment.dead_letter_queues[function.service]
        if "Policy" in sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"]).get("Attributes", {}):
            continue
        rule_arns = [events.describe_rule(Name=r.name, EventBusName=deployment.bus_name)["Arn"] for r in function.rules]
        policy = iam.queue_policy(_queue_arn(sqs, queue), _queue_arn(sqs, dlq), rule_arns)
        for url in (queue, dlq):
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        notes.append(f"set the queue policy of {function.service} ({pascal(function.service)}QueuePolicy) directly")
    for store in STORES.values():
        if store.kind != "table" or not store.ttl_attribute or store.name not in deployment.stores:
            continue
        table = deployment.stores[store.name]
        status = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"].get("TimeToLiveStatus")
        if status not in ("ENABLED", "ENABLING"):
            spec = {"Enabled": True, "AttributeName": store.ttl_attribute}
            ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=spec)
            notes.append(f"enabled TTL on {store.logical_id} ({store.ttl_attribute}) directly")
    try:
        clients("schemas", attempts=1).describe_registry(RegistryName=deployment.registry_name)
    except (ClientError, BotoCoreError) as error:
        notes.append(f"schema registry {deployment.registry_name} not checked: {type(error).__name__}")
    return Deployment(**{**deployment.__dict__, "notes": tuple(notes)})


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _artifacts_bucket(clients: AwsClients, region: str) -> str:
    account = clients("sts").get_caller_identity()["Account"]
    name = f"wingcloud-artifacts-{account}-{region}"
    s3 = clients("s3")
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **config)
    return name


def _apply_stack(clients: AwsClients, stack_name: str, template_url: str, parameters: dict[str, str]) -> None:
    cloudformation = clients("cloudformation")
    request = {
        "StackName": stack_name,
        "TemplateURL": template_url,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
        "Capabilities": ["CAPABILITY_IAM"],
    }
    if _stack_exists(cloudformation, stack_name):
        try:
            cloudformation.update_stack(**request)
        except ClientError as error:
            if "No updates are to be performed" in str(error):
                return
            raise
        waiter = "stack_update_complete"
    else:
        cloudformation.create_stack(**request)
        waiter = "stack_create_complete"
    try:
        cloudformation.get_waiter(waiter).wait(StackName=stack_name, WaiterConfig={"Delay": 2, "MaxAttempts": 900})
    except BotoCoreError as error:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        raise DeployError(
            f"stack {stack_name} ended {stack['StackStatus']}: {stack.get('StackStatusReason', 'no reason given')}"
        ) from error


def _stack_exists(cloudformation: Any, stack_name: str) -> bool:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError:
        return False
    return bool(stacks) and stacks[0]["StackStatus"] != "DELETE_COMPLETE"
