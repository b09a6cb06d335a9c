"""The per-service part of the template: function, role, log group, queue + DLQ, rules and schedule."""

from __future__ import annotations

from typing import Any

from adapters.eventbridge.stack import iam
from adapters.eventbridge.stack.topology import (
    ENV_BUS,
    ENV_OUTSIDE_CREDENTIALS,
    ENV_READ_ONLY,
    ENV_SERVICE,
    HANDLER,
    MAX_RECEIVE_COUNT,
    Function,
    pascal,
)
from spec.contract import Contract, Rule

RUNTIME = "python3.13"
FUNCTION_TIMEOUT = 30
VISIBILITY_TIMEOUT = 6 * FUNCTION_TIMEOUT  # AWS: at least six times the function timeout for SQS sources
DLQ_RETENTION = 14 * 24 * 3600
BATCH_SIZE = 10
QUEUE_RETENTION = 4 * 24 * 3600
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
DELETE = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}  # explicit: transient by design


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def rule_logical_id(rule: Rule) -> str:
    return f"Rule{pascal(rule.service)}{rule.message}"


def function_resources(contract: Contract, function: Function) -> dict[str, Any]:
    logical = function.logical
    variables: dict[str, Any] = {ENV_SERVICE: function.service, ENV_BUS: {"Fn::GetAtt": ["EventBus", "Name"]}}
    for grant in function.grants:
        variables[grant.store.env_var] = ref(grant.store.logical_id)
    if function.outside:
        variables[ENV_OUTSIDE_CREDENTIALS] = ref("OutsideCredentialsSecretArn")
    from adapters.eventbridge.stack.template_ingress import PUBLIC_URL

    variables["WINGCLOUD_CONSOLE_URL"] = PUBLIC_URL  # what pull-request comments and machines are told
    if function.reports_url:  # its machines report to the ingress, with tokens signed by the report key
        variables["WINGCLOUD_PUBLIC_URL"] = PUBLIC_URL
        variables["WINGCLOUD_INGRESS_SECRET"] = ref("IngressSecretArn")
    variables["POWERTOOLS_SERVICE_NAME"] = function.service
    variables["POWERTOOLS_METRICS_NAMESPACE"] = "wingcloud"
    read_only = sorted(g.store.name for g in function.grants if not g.write)
    if read_only:
        variables[ENV_READ_ONLY] = ",".join(read_only)
    resources: dict[str, Any] = {
        f"{logical}LogGroup": {"Type": "AWS::Logs::LogGroup", **DELETE, "Properties": {"RetentionInDays": 30}},
        f"{logical}Role": iam.role(contract, function),
        f"{logical}Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Description": f"wing.cloud {function.service} handlers",
                "Runtime": RUNTIME,
                "Handler": HANDLER,
                "Code": {"S3Bucket": ref("CodeBucket"), "S3Key": ref("CodeKey")},
                "Role": iam.arn(f"{logical}Role"),
                "Timeout": FUNCTION_TIMEOUT,
                "MemorySize": 512,
                "LoggingConfig": {"LogGroup": ref(f"{logical}LogGroup"), "LogFormat": "JSON"},
                "Environment": {"Variables": variables},
            },
        },
    }
    if function.has_queue:
        resources.update(_queue(function))
    if function.schedule:
        resources.update(_schedule(function))
        # invoked asynchronously by its schedule: what fails after Lambda's own two retries is kept here too
        resources[f"{logical}Function"]["Properties"]["DeadLetterConfig"] = {
            "TargetArn": iam.arn(f"{logical}ScheduleDeadLetterQueue")
        }
    return resources


def _queue(function: Function) -> dict[str, Any]:
    logical = function.logical
    queue, dlq = f"{logical}Queue", f"{logical}DeadLetterQueue"
    resources: dict[str, Any] = {
        dlq: {
            "Type": "AWS::SQS::Queue",
            **RETAIN,
            "Properties": {"MessageRetentionPeriod": DLQ_RETENTION, "SqsManagedSseEnabled": True},
        },
        queue: {
            "Type": "AWS::SQS::Queue",
            **DELETE,
            "Properties": {
                "MessageRetentionPeriod": QUEUE_RETENTION,
                "VisibilityTimeout": VISIBILITY_TIMEOUT,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {"deadLetterTargetArn": iam.arn(dlq), "maxReceiveCount": MAX_RECEIVE_COUNT},
            },
        },
        f"{logical}QueuePolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [ref(queue), ref(dlq)],
                "PolicyDocument": iam.queue_policy(
                    iam.arn(queue), iam.arn(dlq), [iam.arn(rule_logical_id(r)) for r in function.rules]
                ),
            },
        },
        f"{logical}EventSourceMapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": iam.arn(queue),
                "FunctionName": ref(f"{logical}Function"),
                "BatchSize": BATCH_SIZE,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "Enabled": {"Fn::If": ["PollersEnabled", True, False]},
                # at most this many concurrent invocations per queue: GitHub, fly.io and dnsimple rate limits
                "ScalingConfig": {"MaximumConcurrency": function.max_concurrency},
            },
        },
    }
    for rule in function.rules:
        resources[rule_logical_id(rule)] = {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Name": rule.name,
                "Description": f"{rule.operation_id}: {rule.message} -> {rule.service}",
                "EventBusName": {"Fn::GetAtt": ["EventBus", "Name"]},
                "EventPattern": rule.pattern,
                "State": "ENABLED",
                "Targets": [
                    {
                        "Id": "queue",
                        "Arn": iam.arn(queue),
                        "DeadLetterConfig": {"Arn": iam.arn(dlq)},
                        "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
                    }
                ],
            },
        }
    return resources


def _schedule(function: Function) -> dict[str, Any]:
    logical = function.logical
    dlq = f"{logical}ScheduleDeadLetterQueue"
    return {
        dlq: {
            "Type": "AWS::SQS::Queue",
            **RETAIN,
            "Properties": {"MessageRetentionPeriod": DLQ_RETENTION, "SqsManagedSseEnabled": True},
        },
        f"{dlq}Policy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [ref(dlq)],
                "PolicyDocument": iam.queue_policy(iam.arn(dlq), iam.arn(dlq), [iam.arn(f"{logical}Schedule")]),
            },
        },
        f"{logical}Schedule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": f"{function.service}: {function.schedule}",
                "ScheduleExpression": function.schedule,
                "State": "ENABLED",
                "Targets": [
                    {
                        "Id": "function",
                        "Arn": iam.arn(f"{logical}Function"),
                        # an invocation that cannot be made within the hour is superseded by the next tick
                        "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 24},
                        "DeadLetterConfig": {"Arn": iam.arn(dlq)},
                    }
                ],
            },
        },
        f"{logical}SchedulePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref(f"{logical}Function"),
                "Principal": "events.amazonaws.com",
                "SourceArn": iam.arn(f"{logical}Schedule"),
            },
        },
    }
