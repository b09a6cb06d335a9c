"""Operations in the template: an alarm on every dead-letter queue's depth and on every function's errors, all
to one SNS topic (the `AlarmTopicArn` parameter, or a topic of the stack); the logs bucket's TLS-only policy."""

from __future__ import annotations

from typing import Any

from adapters.eventbridge.stack import iam
from adapters.eventbridge.stack.template_functions import ref
from adapters.eventbridge.stack.topology import Function

TOPIC = {"Fn::If": ["HasAlarmTopic", ref("AlarmTopicArn"), ref("AlarmTopic")]}
PERIOD = 300


def alarm_resources(functions: list[Function]) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Condition": "MakesAlarmTopic",
            "Properties": {"DisplayName": "wing.cloud alarms", "KmsMasterKeyId": "alias/aws/sns"},
        }
    }
    dead_letter_queues = [(f"{f.logical}DeadLetterQueue", f.service) for f in functions if f.has_queue]
    dead_letter_queues += [
        (f"{f.logical}ScheduleDeadLetterQueue", f"{f.service} schedule") for f in functions if f.schedule
    ]
    for queue, owner in dead_letter_queues:
        resources[f"{queue}Alarm"] = _alarm(
            f"{owner}: a message reached its dead-letter queue (inspect and redrive: GET /api/dead-letters)",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
            statistic="Maximum",
        )
    for logical in [f.logical for f in functions] + ["Ingress"]:
        resources[f"{logical}ErrorsAlarm"] = _alarm(
            f"{logical}: the function failed (see its log group for the error and the event id)",
            "AWS/Lambda",
            "Errors",
            [{"Name": "FunctionName", "Value": ref(f"{logical}Function")}],
            statistic="Sum",
        )
    return resources


def _alarm(description: str, namespace: str, metric: str, dimensions: list[Any], *, statistic: str) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Condition": "OnAws",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": PERIOD,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [TOPIC],
            "OKActions": [TOPIC],
        },
    }


def logs_bucket_policy() -> dict[str, Any]:
    """Every request to the logs bucket must use TLS."""
    bucket = iam.arn("LogsBucket")
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": ref("LogsBucket"),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket, {"Fn::Sub": "${LogsBucket.Arn}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }
