"""The preflight of `wingcloud deploy`: the GitHub App's webhook pointed at the ingress with the stack's secret,
as GitHub's API takes it (`PATCH /app/hook/config`, the App's JWT), over httpx.MockTransport."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.stack.preflight import PreflightError, ensure_ingress_secret, point_github_app

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
