"""The CloudFormation template: derived from the spec's rules, least privilege, deterministic, lint-clean."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.eventbridge.stack.template import build, render
from adapters.eventbridge.stack.template_functions import rule_logical_id
from adapters.eventbridge.stack.topology import STORES, UnmappedPortError, functions, grants_of, pascal
from spec.contract import Contract, source_of
from wingcloud.cli import app as cli
from wingcloud.cmd_deploy import TEMPLATE_PATH


@pytest.fixture(scope="module")
def template(contract: Contract) -> dict[str, Any]:
    return build(contract)


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_render_is_deterministic_and_sorted(contract: Contract) -> None:
    text = render(contract)
    assert text == render(Contract.load())
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_committed_template_is_fresh() -> None:
    result = CliRunner().invoke(cli, ["deploy", "template", "--check"])
    assert result.exit_code == 0, result.output


def test_check_reports_a_stale_template(tmp_path: Path) -> None:
    stale = tmp_path / "cloudformation.json"
    stale.write_text("{}\n")
    result = CliRunner().invoke(cli, ["deploy", "template", "--check", "--out", str(stale)])
    assert result.exit_code == 1
    assert "stale" in result.output


def test_cfn_lint_finds_no_errors_nor_warnings(tmp_path: Path, contract: Contract) -> None:
    path = tmp_path / "cloudformation.json"
    path.write_text(render(contract))
    executable = shutil.which("cfn-lint")
    command = [executable] if executable else [sys.executable, "-m", "cfnlint"]
    result = subprocess.run([*command, "--", str(path)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_rule_per_spec_rule_with_the_same_pattern(template: dict[str, Any], contract: Contract) -> None:
    rules = {
        r["Properties"]["Name"]: r["Properties"]
        for r in resources_of(template, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    }
    assert {rule.name: rule.pattern for rule in contract.rules()} == {
        name: props["EventPattern"] for name, props in rules.items()
    }
    for rule in contract.rules():
        props = rules[rule.name]
        assert props["EventBusName"] == {"Fn::GetAtt": ["EventBus", "Name"]}
        (target,) = props["Targets"]
        service = pascal(rule.service)
        assert target["Arn"] == {"Fn::GetAtt": [f"{service}Queue", "Arn"]}
        assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [f"{service}DeadLetterQueue", "Arn"]}


def test_every_receiving_service_has_queue_dlq_function_and_batch_failures(
    template: dict[str, Any], contract: Contract
) -> None:
    resources = template["Resources"]
    for function in functions(contract):
        name = function.logical
        assert resources[f"{name}Function"]["Properties"]["Handler"] == "adapters.eventbridge.function.entry.handler"
        variables = resources[f"{name}Function"]["Properties"]["Environment"]["Variables"]
        assert variables["WINGCLOUD_SERVICE"] == function.service
        if not function.has_queue:
            continue
        redrive = resources[f"{name}Queue"]["Properties"]["RedrivePolicy"]
        assert redrive == {
            "deadLetterTargetArn": {"Fn::GetAtt": [f"{name}DeadLetterQueue", "Arn"]},
            "maxReceiveCount": 5,
        }
        mapping = resources[f"{name}EventSourceMapping"]["Properties"]
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [f"{name}Queue", "Arn"]}
        policy = resources[f"{name}QueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
        assert policy["Principal"] == {"Service": "events.amazonaws.com"}
        assert sorted(a["Fn::GetAtt"][0] for a in policy["Condition"]["ArnEquals"]["aws:SourceArn"]) == sorted(
            rule_logical_id(r) for r in function.rules
        )


def _statements(template: dict[str, Any], service: str) -> dict[str, dict[str, Any]]:
    role = template["Resources"][f"{pascal(service)}Role"]
    found = {}
    for statement in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:
            statement = statement["Fn::If"][1]
        found[statement["Sid"]] = statement
    return found


def test_roles_publish_only_what_the_spec_lets_them_send(template: dict[str, Any], contract: Contract) -> None:
    for function in functions(contract):
        statements = _statements(template, function.service)
        sends = list(contract.sends(function.service))
        if not sends:
            assert "PublishOwnEvents" not in statements
            continue
        condition = statements["PublishOwnEvents"]["Condition"]
        assert condition["StringEquals"] == {"events:source": source_of(function.service)}
        assert condition["ForAllValues:StringEquals"] == {"events:detail-type": sends}


def test_roles_reach_only_their_own_queue_and_stores(template: dict[str, Any], contract: Contract) -> None:
    table_ids = {s.logical_id for s in STORES.values()}
    for function in functions(contract):
        statements = _statements(template, function.service)
        if function.has_queue:
            assert statements["ConsumeQueue"]["Resource"] == {"Fn::GetAtt": [f"{function.logical}Queue", "Arn"]}
        resources = [
            r
            for s in statements.values()
            for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        ]
        touched = {r["Fn::GetAtt"][0] for r in resources if r.get("Fn::GetAtt", [""])[0] in table_ids}
        assert touched == {g.store.logical_id for g in function.grants}


def test_read_only_and_namespaced_grants(template: dict[str, Any]) -> None:
    environments = _statements(template, "environments")
    assert "dynamodb:PutItem" not in environments["AppsRead"]["Action"]
    assert "dynamodb:PutItem" in environments["EnvironmentsWrite"]["Action"]
    dedupe = environments["LedgerWrite"]
    assert dedupe["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["environments#*"]}}
    assert "dynamodb:Scan" not in dedupe["Action"]  # a Scan cannot be fenced by leading key
    assert "AppsWrite" in _statements(template, "apps")


def test_a_spec_port_without_aws_mapping_is_an_error() -> None:
    document = json.loads(json.dumps(Contract.load().document))
    document["x-services"]["logs"]["ports"].append("Teleporter")
    with pytest.raises(UnmappedPortError, match="'logs' uses port 'Teleporter'"):
        grants_of(Contract.from_document(document), "logs")


def test_the_cleaner_runs_on_the_spec_schedule(template: dict[str, Any]) -> None:
    schedule = template["Resources"]["CleanerSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert schedule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["CleanerFunction", "Arn"]}
    assert "CleanerQueue" not in template["Resources"]


def test_tables_and_ttl(template: dict[str, Any]) -> None:
    tables = resources_of(template, "AWS::DynamoDB::Table")
    assert set(tables) == {s.logical_id for s in STORES.values() if s.kind == "table"}
    for store in STORES.values():
        if store.kind == "table":
            ttl = tables[store.logical_id]["Properties"].get("TimeToLiveSpecification")
            expected = {"AttributeName": store.ttl_attribute, "Enabled": True} if store.ttl_attribute else None
            assert ttl == expected


def test_schema_registry_has_one_draft4_schema_per_event(template: dict[str, Any], contract: Contract) -> None:
    schemas = resources_of(template, "AWS::EventSchemas::Schema")
    assert len(resources_of(template, "AWS::EventSchemas::Registry")) == 1
    assert {s["Properties"]["SchemaName"].split("@")[1] for s in schemas.values()} == set(contract.messages)
    for schema in schemas.values():
        assert schema["Properties"]["Type"] == "JSONSchemaDraft4"
        content = json.loads(schema["Properties"]["Content"])
        assert content["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_committed_template_path_is_under_deploy() -> None:
    assert TEMPLATE_PATH.parent.name == "deploy"
    assert TEMPLATE_PATH.exists()


def test_the_http_api_routes_every_door_and_the_api_to_the_ingress(template: dict[str, Any]) -> None:
    from adapters.eventbridge.function.routes import ROUTES

    routes = resources_of(template, "AWS::ApiGatewayV2::Route")
    assert sorted(r["Properties"]["RouteKey"] for r in routes.values()) == sorted(ROUTES)
    integration = template["Resources"]["HttpApiIntegration"]["Properties"]
    assert (integration["PayloadFormatVersion"], integration["IntegrationUri"]) == (
        "2.0",
        {"Fn::GetAtt": ["IngressFunction", "Arn"]},
    )
    assert integration["TimeoutInMillis"] <= 30_000
    stage = template["Resources"]["HttpApiStage"]["Properties"]
    assert set(stage["DefaultRouteSettings"]) == {"ThrottlingBurstLimit", "ThrottlingRateLimit"}
    variables = template["Resources"]["IngressFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["WINGCLOUD_INGRESS_SECRET"] == {"Ref": "IngressSecretArn"}
    assert not any("secret" in str(v).lower() and "Ref" not in str(v) for k, v in variables.items() if "SECRET" in k)


def test_every_dead_letter_queue_and_function_has_an_alarm_to_the_topic(template: dict[str, Any]) -> None:
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    watched_queues = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarms.values()
        if a["Properties"]["Namespace"] == "AWS/SQS"
    }
    queues = {name for name in resources_of(template, "AWS::SQS::Queue") if "DeadLetter" in name}
    assert watched_queues == queues
    watched_functions = {
        a["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for a in alarms.values()
        if a["Properties"]["Namespace"] == "AWS/Lambda"
    }
    assert watched_functions == set(resources_of(template, "AWS::Lambda::Function"))
    topic = {"Fn::If": ["HasAlarmTopic", {"Ref": "AlarmTopicArn"}, {"Ref": "AlarmTopic"}]}
    assert all(a["Properties"]["AlarmActions"] == [topic] for a in alarms.values())


def test_queue_consumers_are_capped_and_the_outside_callers_most(template: dict[str, Any], contract: Contract) -> None:
    for function in functions(contract):
        if function.has_queue:
            mapping = template["Resources"][f"{function.logical}EventSourceMapping"]["Properties"]
            expected = 2 if function.service in ("apps", "endpoints", "github", "gitlab", "runtime") else 5
            assert mapping["ScalingConfig"] == {"MaximumConcurrency": expected}, function.service


def test_the_logs_bucket_expires_its_objects_and_takes_only_tls(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["LogsBucket"]["Properties"]
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["ExpirationInDays"]) == ("Enabled", {"Ref": "LogsRetentionDays"})
    assert "VersioningConfiguration" not in bucket
    [deny] = template["Resources"]["LogsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_the_cleaner_schedule_retries_and_keeps_what_fails(template: dict[str, Any]) -> None:
    [target] = template["Resources"]["CleanerSchedule"]["Properties"]["Targets"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 24}
    dlq = {"Fn::GetAtt": ["CleanerScheduleDeadLetterQueue", "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": dlq}
    assert template["Resources"]["CleanerFunction"]["Properties"]["DeadLetterConfig"] == {"TargetArn": dlq}


def test_checkovs_skipped_checks_are_the_ones_the_readme_explains() -> None:
    import re

    import yaml

    root = Path(__file__).resolve().parents[3]
    skipped = yaml.safe_load((root / "deploy" / "checkov.yaml").read_text())["skip-check"]
    readme = (root / "deploy" / "README.md").read_text().split("## checkov findings", 1)[1]
    explained = re.findall(r"^\| (CKV_AWS_\d+) ", readme, flags=re.MULTILINE)
    assert sorted(skipped) == sorted(explained)
