"""The ingress part of the template: the HTTP API (API Gateway v2, routes from `function.routes`) in front of one
ingress function that runs the doors and the REST API with each hosted service's own grants.

Why an HTTP API and not function URLs: docs/decisions/0007-http-ingress-and-one-asgi-app.md.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.eventbridge.function.routes import HOSTED_SERVICES, ROUTES
from adapters.eventbridge.function.state.records import RELAY_INDEX
from adapters.eventbridge.stack import iam
from adapters.eventbridge.stack.template_functions import DELETE, RUNTIME, ref
from adapters.eventbridge.stack.topology import STORES, Function, Grant, grants_of, pascal
from spec.contract import Contract, source_of

RELAY_SCHEDULE = "rate(5 minutes)"  # a missed tick is caught by the next one: no DLQ
INGRESS_TIMEOUT = 29  # API Gateway gives an integration at most 30 s; GitHub waits 10 s
HANDLER = "adapters.eventbridge.function.ingress.handler"
API_URL = {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
# What machines and GitHub are told: the operator's own domain, else the HTTP API's URL.
PUBLIC_URL = {"Fn::If": ["HasPublicUrl", ref("PublicUrl"), {"Fn::If": ["OnAws", API_URL, "http://emulator.invalid"]}]}


def ingress_grants(contract: Contract) -> dict[str, dict[str, str]]:
    """Per hosted service, its stores and access: what its own function would be granted."""
    return {
        service: {g.store.name: "write" if g.write else "read" for g in grants_of(contract, service)}
        for service in HOSTED_SERVICES
    }


def ingress_resources(contract: Contract, functions: list[Function]) -> dict[str, Any]:
    queued = [f for f in functions if f.has_queue]
    stores = {name: ref(store.logical_id) for name, store in STORES.items()}
    store_names = {"Fn::Sub": [json.dumps({n: f"${{{n}}}" for n in stores}, sort_keys=True), stores]}
    dlq_vars = {f"{f.logical}Q": ref(f"{f.logical}Queue") for f in queued}
    dlq_vars |= {f"{f.logical}D": ref(f"{f.logical}DeadLetterQueue") for f in queued}
    dead_letters = json.dumps({f.service: [f"${{{f.logical}Q}}", f"${{{f.logical}D}}"] for f in queued}, sort_keys=True)
    variables: dict[str, Any] = {
        "WINGCLOUD_EVENT_BUS_NAME": {"Fn::GetAtt": ["EventBus", "Name"]},
        "WINGCLOUD_GRANTS": json.dumps(ingress_grants(contract), sort_keys=True, separators=(",", ":")),
        "WINGCLOUD_STORES": store_names,
        "WINGCLOUD_DEAD_LETTER_QUEUES": {"Fn::Sub": [dead_letters, dlq_vars]},
        "WINGCLOUD_INGRESS_SECRET": ref("IngressSecretArn"),
        "WINGCLOUD_OUTSIDE_CREDENTIALS_SECRET": ref("OutsideCredentialsSecretArn"),
        "WINGCLOUD_CONSOLE_URL": PUBLIC_URL,
        "POWERTOOLS_SERVICE_NAME": "ingress",
        "POWERTOOLS_METRICS_NAMESPACE": "wingcloud",
    }
    resources: dict[str, Any] = {
        "IngressLogGroup": {"Type": "AWS::Logs::LogGroup", **DELETE, "Properties": {"RetentionInDays": 30}},
        "IngressRole": _role(contract, queued),
        "IngressFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Description": "wing.cloud ingress: GitHub webhooks, runtime reports and logs, the REST API",
                "Runtime": RUNTIME,
                "Handler": HANDLER,
                "Code": {"S3Bucket": ref("CodeBucket"), "S3Key": ref("CodeKey")},
                "Role": iam.arn("IngressRole"),
                "Timeout": INGRESS_TIMEOUT,
                "MemorySize": 1024,  # more memory is more CPU: a cold start imports FastAPI and the spec
                "ReservedConcurrentExecutions": {
                    "Fn::If": ["HasIngressReservation", ref("IngressReservedConcurrency"), {"Ref": "AWS::NoValue"}]
                },
                "LoggingConfig": {"LogGroup": ref("IngressLogGroup"), "LogFormat": "JSON"},
                "Environment": {"Variables": variables},
            },
        },
        "HttpApi": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Condition": "OnAws",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-ingress"},
                "ProtocolType": "HTTP",
                "Description": "wing.cloud: GitHub webhooks, runtime reports and logs, the REST API",
            },
        },
        "HttpApiIntegration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Condition": "OnAws",
            "Properties": {
                "ApiId": ref("HttpApi"),
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": iam.arn("IngressFunction"),
                "PayloadFormatVersion": "2.0",
                "TimeoutInMillis": INGRESS_TIMEOUT * 1000 + 500,
            },
        },
        "HttpApiAccessLogGroup": {"Type": "AWS::Logs::LogGroup", **DELETE, "Properties": {"RetentionInDays": 30}},
        "HttpApiStage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Condition": "OnAws",
            "Properties": {
                "ApiId": ref("HttpApi"),
                "StageName": "$default",
                "AutoDeploy": True,
                "DefaultRouteSettings": {
                    "ThrottlingBurstLimit": ref("IngressBurstLimit"),
                    "ThrottlingRateLimit": ref("IngressRateLimit"),
                },
                "AccessLogSettings": {
                    "DestinationArn": iam.arn("HttpApiAccessLogGroup"),
                    "Format": json.dumps(ACCESS_LOG, sort_keys=True, separators=(",", ":")),
                },
            },
        },
        "IngressInvokePermission": {
            "Type": "AWS::Lambda::Permission",
            "Condition": "OnAws",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref("IngressFunction"),
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"
                },
            },
        },
    }
    resources["IngressRelaySchedule"] = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "Description": "ingress: publish what a command or a door committed but never sent (a crash between)",
            "ScheduleExpression": RELAY_SCHEDULE,
            "State": "ENABLED",
            "Targets": [
                {
                    "Id": "function",
                    "Arn": iam.arn("IngressFunction"),
                    "RetryPolicy": {"MaximumEventAgeInSeconds": 600, "MaximumRetryAttempts": 3},
                }
            ],
        },
    }
    resources["IngressRelayPermission"] = {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": ref("IngressFunction"),
            "Principal": "events.amazonaws.com",
            "SourceArn": iam.arn("IngressRelaySchedule"),
        },
    }
    for route in ROUTES:
        resources[route_logical_id(route)] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Condition": "OnAws",
            "Properties": {
                "ApiId": ref("HttpApi"),
                "RouteKey": route,
                "Target": {"Fn::Sub": "integrations/${HttpApiIntegration}"},
            },
        }
    return resources


ACCESS_LOG = {
    "requestId": "$context.requestId",
    "time": "$context.requestTime",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "status": "$context.status",
    "latency": "$context.responseLatency",
    "integrationError": "$context.integrationErrorMessage",
    "delivery": "$context.requestOverride.header.x-github-delivery",
}


def route_logical_id(route: str) -> str:
    method, path = route.split(" ", 1)
    words = [w for w in path.replace("{proxy+}", "proxy").replace("-", "/").split("/") if w]
    return "HttpRoute" + method.capitalize() + "".join(pascal(w) for w in words)


def _role(contract: Contract, queued: list[Function]) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": iam.arn("IngressLogGroup"),
        },
        {
            "Sid": "IngressSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": ref("IngressSecretArn"),
        },
        {
            "Sid": "DeadLettersListAndRedrive",
            "Effect": "Allow",
            "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
            "Resource": [iam.arn(f"{f.logical}DeadLetterQueue") for f in queued],
        },
        {
            "Sid": "RedriveToQueues",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": [iam.arn(f"{f.logical}Queue") for f in queued],
        },
    ]
    for service in HOSTED_SERVICES:
        sends = contract.sends(service)
        if sends:
            statements.append(
                {
                    "Sid": f"Publish{pascal(service)}",
                    "Effect": "Allow",
                    "Action": "events:PutEvents",
                    "Resource": iam.arn("EventBus"),
                    "Condition": {
                        "StringEquals": {"events:source": source_of(service)},
                        "ForAllValues:StringEquals": {"events:detail-type": list(sends)},
                    },
                }
            )
        for grant in grants_of(contract, service):
            statement = iam.store_statement(service, grant)
            statements.append({**statement, "Sid": f"{pascal(service)}{statement['Sid']}"})
    statements.append(
        {
            "Sid": "RelayIndex",
            "Effect": "Allow",
            "Action": "dynamodb:Query",
            "Resource": {"Fn::Sub": f"${{LedgerTable.Arn}}/index/{RELAY_INDEX}"},
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{s}#*" for s in HOSTED_SERVICES]}},
        }
    )
    outside = {
        "Sid": "OutsideCredentials",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": ref("OutsideCredentialsSecretArn"),
    }
    statements.append({"Fn::If": ["HasOutsideCredentials", outside, {"Ref": "AWS::NoValue"}]})
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": "wing.cloud ingress: the grants of each service whose doors and commands it runs",
            "AssumeRolePolicyDocument": iam.ASSUME_LAMBDA,
            "Policies": [
                {
                    "PolicyName": "wingcloud-ingress",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


__all__ = ["Grant", "ingress_grants", "ingress_resources", "route_logical_id"]
