"""The deployed stack as the offline harness uses it: function settings, a tap on the bus, state resets.

`shared_stack()` is one per process: it uses the moto server at WINGCLOUD_AWS_ENDPOINT_URL when set, or starts
one (stopped, port freed, at interpreter exit), and deploys the generated template into it once.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.eventbridge.function.ingress import IngressSettings
from adapters.eventbridge.function.state._items import pages
from adapters.eventbridge.function.wiring import AwsClients, LambdaSettings
from adapters.eventbridge.stack.deploy import Deployment, deploy
from adapters.eventbridge.stack.topology import ENV_READ_ONLY, grants_of
from bus.envelope import format_time
from ports import Settings
from spec.contract import SOURCE_PREFIX, Contract

TAP_RULE = "offline-tap"
ENDPOINT_VARIABLE = "WINGCLOUD_AWS_ENDPOINT_URL"


class OfflineStack:
    def __init__(self, contract: Contract, clients: AwsClients, deployment: Deployment) -> None:
        self.contract, self.clients, self.deployment = contract, clients, deployment
        self.tap_url = self._make_tap()
        self._variables: dict[str, dict[str, str]] = {}
        self._looks: dict[str, int] = {}

    def services(self) -> list[str]:
        return sorted(self.contract.services)

    def settings_of(self, service: str, handler: Settings) -> LambdaSettings:
        """What the service's Lambda reads from its environment: the deployed function's own variables, or,
        for a service without a function (api, secrets: only commands), the variables its grants would give it."""
        if service in self.deployment.functions:
            if service not in self._variables:
                name = self.deployment.functions[service]
                configuration = self.clients("lambda").get_function_configuration(FunctionName=name)
                self._variables[service] = dict(configuration["Environment"]["Variables"])
            variables = self._variables[service]
        else:
            grants = grants_of(self.contract, service)
            variables = {"WINGCLOUD_SERVICE": service, "WINGCLOUD_EVENT_BUS_NAME": self.deployment.bus_name}
            variables |= {g.store.env_var: self.deployment.stores[g.store.name] for g in grants}
            read_only = ",".join(sorted(g.store.name for g in grants if not g.write))
            if read_only:
                variables[ENV_READ_ONLY] = read_only
        fields: dict[str, object] = {key.removeprefix("WINGCLOUD_").lower(): v for key, v in variables.items()}
        fields |= {
            "console_url": handler.console_url,
            "dns_zone": handler.dns_zone,
            "runtime_image": handler.runtime_image,
            "stale_preview_seconds": handler.stale_preview_seconds,
        }
        return LambdaSettings.model_validate(fields)

    def ingress_settings(self, handler: Settings) -> IngressSettings:
        """What the ingress function reads from its environment (the deployed function's own variables)."""
        name = self.deployment.ingress_function
        variables = self.clients("lambda").get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        fields: dict[str, object] = {
            k.removeprefix("WINGCLOUD_").lower(): v for k, v in variables.items() if k.startswith("WINGCLOUD_")
        }
        fields |= {
            "console_url": handler.console_url,
            "dns_zone": handler.dns_zone,
            "runtime_image": handler.runtime_image,
            "stale_preview_seconds": handler.stale_preview_seconds,
        }
        return IngressSettings.model_validate(fields)

    def _make_tap(self) -> str:
        """A queue that a rule on the bus copies every wing.cloud event into: the harness's view of the bus."""
        sqs, events = self.clients("sqs"), self.clients("events")
        url = str(sqs.create_queue(QueueName=f"{self.deployment.stack_name}-offline-tap")["QueueUrl"])
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        pattern = json.dumps({"source": [{"prefix": SOURCE_PREFIX}]})
        events.put_rule(Name=TAP_RULE, EventBusName=self.deployment.bus_name, EventPattern=pattern)
        events.put_targets(Rule=TAP_RULE, EventBusName=self.deployment.bus_name, Targets=[{"Id": "tap", "Arn": arn}])
        return url

    def tapped(self) -> list[dict[str, Any]]:
        """The events that crossed the bus since the last call, in order; they leave the tap."""
        return [json.loads(self.repair(m["Body"])) for m in self._take(self.tap_url, delete=True)]

    def repair(self, body: str) -> str:
        """Undo moto's known defect in what a rule delivers to SQS: its default input template leaves out
        `account` (moto 5.2, `EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE`), which AWS always sends.
        Only this gap is filled; anything else in the body is passed on untouched."""
        try:
            envelope = json.loads(body)
        except ValueError:
            return body
        if isinstance(envelope, dict) and "detail-type" in envelope and "account" not in envelope:
            envelope["account"] = self.account
            return json.dumps(envelope)
        return body

    @property
    def account(self) -> str:
        return self.deployment.bus_arn.split(":")[4]

    def dead_letters(self) -> list[tuple[str, Any, int]]:
        """(service, body, deliveries) of every message in the services' DLQs; they stay there.

        Looking is a receive, and SQS counts it: the deliveries are the receive count less our own looks."""
        found = []
        for service, url in sorted(self.deployment.dead_letter_queues.items()):
            for message in self._take(url, delete=False):
                self._looks[message["MessageId"]] = looks = self._looks.get(message["MessageId"], 0) + 1
                receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0))
                found.append((service, json.loads(message["Body"]), receives - looks))
        return found

    def _take(self, url: str, *, delete: bool) -> list[dict[str, Any]]:
        sqs = self.clients("sqs")
        taken: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, MessageSystemAttributeNames=["All"]
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update(m["MessageId"] for m in fresh)
            taken.extend(fresh)
        for start in range(0, len(taken), 10):
            chunk = list(enumerate(taken[start : start + 10]))
            if delete:
                entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in chunk]
                sqs.delete_message_batch(QueueUrl=url, Entries=entries)
            else:
                entries = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in chunk
                ]
                sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
        return taken

    def reset(self) -> None:
        """Empty every queue, table and the logs bucket: a fresh system on the same infrastructure."""
        queues = [*self.deployment.queues.values(), *self.deployment.dead_letter_queues.values(), self.tap_url]
        for url in queues:
            # Not PurgeQueue: SQS (and moto since 5.2.5) allows one purge per queue per 60 s.
            self._take(url, delete=True)
        ddb = self.clients("dynamodb")
        for name, table in self.deployment.stores.items():
            if name in ("logs", "keys"):
                continue
            keys = [k["AttributeName"] for k in ddb.describe_table(TableName=table)["Table"]["KeySchema"]]
            items = list(pages(ddb, "scan", TableName=table, ProjectionExpression=", ".join(keys)))
            for start in range(0, len(items), 25):
                requests = [{"DeleteRequest": {"Key": key}} for key in items[start : start + 25]]
                ddb.batch_write_item(RequestItems={table: requests})
        s3, bucket = self.clients("s3"), self.deployment.stores["logs"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if objects:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


def scheduled_event(at: datetime, stack: OfflineStack) -> dict[str, Any]:
    """The event an EventBridge schedule rule sends its Lambda target."""
    account, region = stack.account, stack.deployment.bus_arn.split(":")[3]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": format_time(at, whole_seconds=True),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{stack.deployment.stack_name}-CleanerSchedule"],
        "detail": {},
    }


@functools.cache
def shared_stack() -> OfflineStack:
    """One stack per process, on the server at WINGCLOUD_AWS_ENDPOINT_URL or on one started here."""
    import boto3

    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if not endpoint:
        from adapters.eventbridge.offline.moto import MotoServer

        log = Path(tempfile.mkdtemp(prefix="wingcloud-moto-")) / "moto_server.log"
        server = MotoServer(log).start()
        atexit.register(server.stop)
        endpoint = server.endpoint
    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    clients = AwsClients(session, endpoint)
    contract = Contract.load()
    name = f"wingcloud-offline-{uuid.uuid4().hex[:6]}"
    deployment = deploy(contract, clients, stack_name=name, bus_name=name, event_source_mappings=False, emulator=True)
    return OfflineStack(contract, clients, deployment)
