"""Least-privilege IAM for one function: its log group, its queue, PutEvents of what it sends, its stores."""

from __future__ import annotations

from typing import Any

from adapters.eventbridge.stack.topology import Function, Grant
from spec.contract import Contract, source_of

TABLE_READ = ["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]
TABLE_WRITE = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
# A namespaced table is keyed "<service>#..."; Scan is left out because IAM cannot fence it by key.
NAMESPACED = ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]


ASSUME_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def role(contract: Contract, function: Function) -> dict[str, Any]:
    """The function's execution role, with one inline policy holding every statement it needs."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": f"wing.cloud {function.service}: least privilege for its handlers",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": f"wingcloud-{function.service}",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements(contract, function)},
                }
            ],
        },
    }


def statements(contract: Contract, function: Function) -> list[dict[str, Any]]:
    logical = function.logical
    result: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": arn(f"{logical}LogGroup"),
        }
    ]
    if function.has_queue:
        result.append(
            {
                "Sid": "ConsumeQueue",
                "Effect": "Allow",
                "Action": [
                    "sqs:ChangeMessageVisibility",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage",
                ],
                "Resource": arn(f"{logical}Queue"),
            }
        )
    if function.schedule:
        result.append(
            {
                "Sid": "FailedInvocations",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": arn(f"{logical}ScheduleDeadLetterQueue"),
            }
        )
    sends = contract.sends(function.service)
    if sends:
        result.append(
            {
                "Sid": "PublishOwnEvents",
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Resource": arn("EventBus"),
                "Condition": {
                    "StringEquals": {"events:source": source_of(function.service)},
                    "ForAllValues:StringEquals": {"events:detail-type": list(sends)},
                },
            }
        )
    result.extend(store_statement(function.service, grant) for grant in function.grants)
    if function.outside:
        statement = {
            "Sid": "OutsideCredentials",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "OutsideCredentialsSecretArn"},
        }
        result.append({"Fn::If": ["HasOutsideCredentials", statement, {"Ref": "AWS::NoValue"}]})
    if function.reports_url:
        result.append(
            {
                "Sid": "ReportKey",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": {"Ref": "IngressSecretArn"},
            }
        )
    return result


def store_statement(service: str, grant: Grant) -> dict[str, Any]:
    store = grant.store
    sid = "".join(part.capitalize() for part in store.name.split("-"))
    sid += "Write" if grant.write else "Read"
    if store.kind == "bucket":
        objects = {"Fn::Sub": f"${{{store.logical_id}.Arn}}/*"}
        actions = ["s3:GetObject", "s3:ListBucket"] + (["s3:DeleteObject", "s3:PutObject"] if grant.write else [])
        return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": [arn(store.logical_id), objects]}
    if store.kind == "key":
        actions = ["kms:Decrypt"] + (["kms:GenerateDataKey"] if grant.write else [])
        return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": arn(store.logical_id)}
    if store.namespaced:
        return {
            "Sid": sid,
            "Effect": "Allow",
            "Action": NAMESPACED,
            "Resource": arn(store.logical_id),
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{service}#*"]}},
        }
    actions = TABLE_READ + (TABLE_WRITE if grant.write else [])
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": arn(store.logical_id)}


def queue_policy(queue_arn: Any, dlq_arn: Any, rule_arns: list[Any]) -> dict[str, Any]:
    """Only the service's own rules may send to its queue (and, for failed deliveries, to its DLQ)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnRulesDeliver",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": [queue_arn, dlq_arn],
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arns}},
            }
        ],
    }
