"""The preflight of `wingcloud deploy`: the GitHub App's webhook pointed at the ingress with the stack's secret,
as GitHub's API takes it (`PATCH /app/hook/config`, the App's JWT), over httpx.MockTransport; and the command
line's own path to it, deploying to the moto server and reading the secrets from its Secrets Manager."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.stack.preflight import PreflightError, ensure_ingress_secret, point_github_app
from wingcloud.cli import app as cli
from wingcloud.cmd_deploy import DeployOutside

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def test_the_app_webhook_gets_the_url_and_secret_with_the_app_jwt() -> None:
    seen: list[httpx.Request] = []

    def github(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"url": json.loads(request.content)["url"], "content_type": "json"})

    client = httpx.Client(transport=httpx.MockTransport(github))
    point_github_app(
        "https://abc.execute-api.us-east-1.amazonaws.com/webhooks/github", "s3cret", "123", PEM.decode(), client=client
    )
    [request] = seen
    assert (request.method, request.url.path) == ("PATCH", "/app/hook/config")
    assert json.loads(request.content) == {
        "url": "https://abc.execute-api.us-east-1.amazonaws.com/webhooks/github",
        "content_type": "json",
        "secret": "s3cret",
        "insecure_ssl": "0",
    }
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, KEY.public_key(), algorithms=["RS256"])
    assert claims["iss"] == "123" and claims["exp"] - claims["iat"] <= 660
    assert request.headers["x-github-api-version"] == "2022-11-28"


def test_github_refusing_the_config_is_an_error_naming_the_answer() -> None:
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(401, json={"message": "Bad credentials"}))
    )
    with pytest.raises(PreflightError, match=r"GitHub answered 401 .*Bad credentials"):
        point_github_app("https://x.example/webhooks/github", "s", "1", PEM.decode(), client=client)


def test_github_sends_webhooks_only_to_https() -> None:
    with pytest.raises(PreflightError, match="only to an https URL"):
        point_github_app("http://emulator.invalid/webhooks/github", "s", "1", PEM.decode())


def test_the_ingress_secret_is_made_once_and_completed_when_a_field_is_missing(aws: AwsClients) -> None:
    sm = aws("secretsmanager")
    first = ensure_ingress_secret(sm, "preflight-test")
    value = json.loads(sm.get_secret_value(SecretId=first.arn)["SecretString"])
    assert first.created and set(value) == {"github_webhook_secret", "api_token", "report_key", "gitlab_webhook_token"}
    assert all(len(v) >= 40 for v in value.values())
    again = ensure_ingress_secret(sm, "preflight-test")
    assert (again.arn, again.created) == (first.arn, False)
    assert json.loads(sm.get_secret_value(SecretId=first.arn)["SecretString"]) == value
    sm.put_secret_value(SecretId=first.arn, SecretString=json.dumps({"api_token": "kept"}))
    completed = ensure_ingress_secret(sm, "preflight-test")
    now = json.loads(sm.get_secret_value(SecretId=first.arn)["SecretString"])
    assert completed.created and now["api_token"] == "kept" and now["report_key"] and now["github_webhook_secret"]
    assert now["gitlab_webhook_token"] not in ("", value["gitlab_webhook_token"])  # made anew, not an old value


def outside_credentials(aws: AwsClients, name: str) -> str:
    """An outside-credentials secret on the moto server holding the GitHub App's id and private key."""
    value = {"github_app_id": "4242", "github_private_key": PEM.decode()}
    return str(aws("secretsmanager").create_secret(Name=name, SecretString=json.dumps(value))["ARN"])


def deploy_args(moto_server: str, secret: str, *more: str) -> list[str]:
    stack = ["--stack-name", "cli-preflight", "--bus-name", "cli-preflight"]
    return ["deploy", "--endpoint-url", moto_server, *stack, "--outside-credentials-secret", secret, *more]


def test_against_an_emulator_the_preflight_is_skipped_unless_asked_and_the_output_says_why(
    moto_server: str, aws: AwsClients
) -> None:
    secret = outside_credentials(aws, "wingcloud/test/outside-skip")
    github = httpx.Client(transport=httpx.MockTransport(lambda r: pytest.fail(f"GitHub was called: {r.url}")))
    result = CliRunner().invoke(cli, deploy_args(moto_server, secret), obj=DeployOutside(github=github))
    assert result.exit_code == 0, result.output
    assert f"preflight:    skipped (--endpoint-url {moto_server} is an emulator GitHub cannot reach" in result.output
    assert "--preflight runs it anyway" in result.output


def test_the_cli_points_the_github_app_at_the_stacks_webhook_url_with_its_secret(
    moto_server: str, aws: AwsClients
) -> None:
    seen: list[httpx.Request] = []

    def github(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"url": json.loads(request.content)["url"], "content_type": "json"})

    secret = outside_credentials(aws, "wingcloud/test/outside-asked")
    args = deploy_args(moto_server, secret, "--preflight", "--public-url", "https://hooks.example")
    client = httpx.Client(transport=httpx.MockTransport(github))
    result = CliRunner().invoke(cli, args, obj=DeployOutside(github=client))
    assert result.exit_code == 0, result.output
    assert "GitHub App 4242: webhook URL and secret set" in result.output
    [request] = seen
    assert (request.method, request.url.host, request.url.path) == ("PATCH", "api.github.com", "/app/hook/config")
    ingress = aws("secretsmanager").get_secret_value(SecretId="wingcloud/cli-preflight/ingress")
    sent = json.loads(request.content)
    assert sent["url"] == "https://hooks.example/webhooks/github"
    assert sent["secret"] == json.loads(ingress["SecretString"])["github_webhook_secret"]
    token = request.headers["authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, KEY.public_key(), algorithms=["RS256"])["iss"] == "4242"
