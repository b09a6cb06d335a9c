"""The generated stack as deployed on the moto server, read back through the AWS APIs."""

from __future__ import annotations

import io
import json
import zipfile

from typer.testing import CliRunner

from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.stack import package
from adapters.eventbridge.stack.deploy import Deployment, deploy
from adapters.eventbridge.stack.topology import MAX_RECEIVE_COUNT, STORES, functions
from spec.contract import Contract
from wingcloud.cli import app as cli


def queue_arn(aws: AwsClients, url: str) -> str:
    return str(aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def test_every_spec_rule_is_on_the_bus_with_its_pattern_and_queue(
    stack: Deployment, aws: AwsClients, contract: Contract
) -> None:
    events = aws("events")
    for rule in contract.rules():
        deployed = events.describe_rule(Name=rule.name, EventBusName=stack.bus_name)
        assert json.loads(deployed["EventPattern"]) == rule.pattern
        assert deployed["State"] == "ENABLED"
        [target] = events.list_targets_by_rule(Rule=rule.name, EventBusName=stack.bus_name)["Targets"]
        assert target["Arn"] == queue_arn(aws, stack.queues[rule.service])
        assert target["DeadLetterConfig"]["Arn"] == queue_arn(aws, stack.dead_letter_queues[rule.service])
    assert stack.archive_name == f"{stack.bus_name}-archive"
    [archive] = events.list_archives(EventSourceArn=stack.bus_arn)["Archives"]
    assert archive["State"] == "ENABLED"


def test_queues_redrive_to_their_dlq_and_accept_only_their_rules(
    stack: Deployment, aws: AwsClients, contract: Contract
) -> None:
    sqs, events = aws("sqs"), aws("events")
    for function in functions(contract):
        if not function.has_queue:
            continue
        attributes = sqs.get_queue_attributes(QueueUrl=stack.queues[function.service], AttributeNames=["All"])
        redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
        assert redrive == {
            "deadLetterTargetArn": queue_arn(aws, stack.dead_letter_queues[function.service]),
            "maxReceiveCount": MAX_RECEIVE_COUNT,
        }
        [statement] = json.loads(attributes["Attributes"]["Policy"])["Statement"]
        rule_arns = {events.describe_rule(Name=r.name, EventBusName=stack.bus_name)["Arn"] for r in function.rules}
        assert set(statement["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arns
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}


def test_functions_are_wired_as_the_template_says(stack: Deployment, aws: AwsClients, contract: Contract) -> None:
    lam = aws("lambda")
    mappings = {m["FunctionArn"]: m for m in lam.list_event_source_mappings()["EventSourceMappings"]}
    for function in functions(contract):
        configuration = lam.get_function_configuration(FunctionName=stack.functions[function.service])
        assert configuration["Handler"] == "adapters.eventbridge.function.entry.handler"
        variables = configuration["Environment"]["Variables"]
        assert variables["WINGCLOUD_SERVICE"] == function.service
        assert variables["WINGCLOUD_EVENT_BUS_NAME"] == stack.bus_name
        assert {k for k in variables if k.endswith(("_TABLE", "_BUCKET", "_KEY_ID"))} == {
            g.store.env_var for g in function.grants
        }
        if function.has_queue:
            mapping = mappings[configuration["FunctionArn"]]
            assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
            assert mapping["State"] == "Disabled", "the offline tests consume the queues themselves"
            assert mapping["EventSourceArn"] == queue_arn(aws, stack.queues[function.service])
            assert mapping["ScalingConfig"] == {"MaximumConcurrency": function.max_concurrency}


def test_tables_with_ttl_have_it_enabled(stack: Deployment, aws: AwsClients) -> None:
    for store in STORES.values():
        if store.kind == "table" and store.ttl_attribute:
            ttl = aws("dynamodb").describe_time_to_live(TableName=stack.stores[store.name])["TimeToLiveDescription"]
            assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", store.ttl_attribute)


def test_deploy_says_what_moto_left_out_and_a_redeploy_changes_nothing(
    stack: Deployment, aws: AwsClients, contract: Contract
) -> None:
    assert any("QueuePolicy" in note for note in stack.notes)
    assert any("TTL on LedgerTable" in note for note in stack.notes)
    assert any("schema registry" in note for note in stack.notes)
    again = deploy(
        contract, aws, stack_name=stack.stack_name, bus_name=stack.bus_name, event_source_mappings=False, emulator=True
    )
    assert (again.functions, again.queues, again.stores) == (stack.functions, stack.queues, stack.stores)
    assert [n for n in again.notes if "schema registry" not in n] == [], "nothing left to complete"
    assert again.ingress_secret == stack.ingress_secret, "the ingress secret is made once and kept"


def test_the_cli_deploys_to_an_endpoint(moto_server: str, aws: AwsClients) -> None:
    result = CliRunner().invoke(
        cli, ["deploy", "--endpoint-url", moto_server, "--stack-name", "cli-stack", "--bus-name", "cli-bus"]
    )
    assert result.exit_code == 0, result.output
    assert f"stack cli-stack: bus cli-bus, {len(functions(Contract.load())) + 1} functions" in result.output
    assert "webhook URL:  http://emulator.invalid/webhooks/github" in result.output
    # what is printed is named for what it is: the API's description, not a console (none on AWS, decision 0007)
    assert "API document: http://emulator.invalid/api/openapi.json (OpenAPI; no console page" in result.output
    assert "console:" not in result.output
    assert "GitLab hook:  http://emulator.invalid/webhooks/gitlab\n" in result.output
    rules = aws("events").list_rules(EventBusName="cli-bus", Limit=100)["Rules"]
    assert {r["Name"] for r in rules} >= {rule.name for rule in Contract.load().rules()}
    states = {m["State"] for m in aws("lambda").list_event_source_mappings()["EventSourceMappings"]}
    assert states == {"Disabled"}, "an endpoint means an emulator: no event source mapping is enabled"


def test_the_package_is_reproducible_and_holds_the_entry_point_and_the_spec() -> None:
    first, second = package.build(), package.build()
    assert first == second
    names = set(zipfile.ZipFile(io.BytesIO(first)).namelist())
    assert {
        "adapters/eventbridge/function/entry.py",
        "adapters/eventbridge/function/ingress.py",
        "adapters/http/api.py",
        "spec/asyncapi.yaml",
        "events/schemas.json",
    } <= names
    assert not any("__pycache__" in name for name in names)
    # what a function runs, and nothing else: no simulator or fake, no local server, no deploy-time code
    leftovers = ("sim/", "adapters/local/", "adapters/eventbridge/offline/", "adapters/eventbridge/stack/", "tests/")
    assert not [name for name in names if name.startswith(leftovers)]
