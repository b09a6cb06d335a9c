"""`wingcloud deploy`: deploy to AWS (or an emulator such as moto), and generate the CloudFormation template."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    import httpx

    from adapters.eventbridge.function.wiring import AwsClients
    from adapters.eventbridge.stack.deploy import Deployment

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO / "deploy" / "cloudformation.json"

app = typer.Typer(
    help="Deploy wing.cloud on Amazon EventBridge, SQS and Lambda. Without a subcommand, deploys: creates or "
    "updates the stack on AWS (or on the emulator at --endpoint-url). `deploy template` only writes the template.",
    invoke_without_command=True,
    no_args_is_help=False,
)
out = Console(soft_wrap=True)  # URLs and ARNs stay whole for copying, whatever the width
err = Console(stderr=True)


@dataclass(frozen=True)
class DeployOutside:
    """What `wingcloud deploy` reaches besides AWS. A caller (a test) injects its own as the Click context's
    `obj` (`CliRunner().invoke(app, args, obj=DeployOutside(github=...))`); the default is the real GitHub."""

    github: httpx.Client | None = None  # GitHub's REST API, for the preflight


@app.callback()
def deploy(
    ctx: typer.Context,
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", help="AWS endpoint, e.g. a moto server (http://127.0.0.1:5000)"
    ),
    region: str = typer.Option(
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1", "--region"
    ),
    stack_name: str = typer.Option("wingcloud", "--stack-name"),
    bus_name: str = typer.Option("wingcloud", "--bus-name", help="Name of the custom event bus"),
    artifacts_bucket: str | None = typer.Option(
        None, "--artifacts-bucket", help="S3 bucket for the package and template (default: created per account)"
    ),
    dependencies: Path | None = typer.Option(
        None, "--dependencies", help="A `pip install --target` folder to bundle into the Lambda package"
    ),
    event_source_mappings: bool | None = typer.Option(
        None,
        "--event-source-mappings/--no-event-source-mappings",
        help="Let Lambda consume the queues (default: on for AWS, off with --endpoint-url: emulators run no code)",
    ),
    outside_credentials_secret: str = typer.Option(
        "", "--outside-credentials-secret", help="ARN of the Secrets Manager secret with GitHub/fly.io/dnsimple keys"
    ),
    public_url: str = typer.Option(
        "", "--public-url", help="The ingress's own https base URL (custom domain); default: the HTTP API's URL"
    ),
    alarm_topic: str = typer.Option(
        "", "--alarm-topic", help="SNS topic ARN for the alarms (default: a topic of the stack)"
    ),
    preflight: bool | None = typer.Option(
        None,
        "--preflight/--no-preflight",
        help="Point the GitHub App's webhook at the ingress (default: on AWS when the outside credentials are "
        "given; off with --endpoint-url, whose emulator GitHub cannot reach)",
    ),
) -> None:
    """Without a subcommand, deploys: creates or updates the stack from the generated template on AWS (or on the
    emulator at --endpoint-url). `wingcloud deploy template` only writes the template."""
    if ctx.invoked_subcommand is not None:
        return
    import boto3

    from adapters.eventbridge.function.wiring import AwsClients
    from adapters.eventbridge.stack import package
    from adapters.eventbridge.stack.deploy import DeployError
    from adapters.eventbridge.stack.deploy import deploy as deploy_stack
    from spec.contract import Contract

    session = boto3.session.Session(region_name=region)
    if endpoint_url and session.get_credentials() is None:
        session = boto3.session.Session(
            region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
    try:
        deployment = deploy_stack(
            Contract.load(),
            AwsClients(session, endpoint_url),
            stack_name=stack_name,
            bus_name=bus_name,
            artifacts_bucket=artifacts_bucket,
            code=package.build(dependencies),
            event_source_mappings=event_source_mappings if event_source_mappings is not None else not endpoint_url,
            outside_credentials_secret=outside_credentials_secret,
            emulator=bool(endpoint_url),
            public_url=public_url,
            alarm_topic=alarm_topic,
        )
    except DeployError as error:
        err.print(f"[red]deploy failed[/red]: {error}", highlight=False)
        raise typer.Exit(1) from error
    out.print(f"stack {deployment.stack_name}: bus {deployment.bus_name}, {len(deployment.functions) + 1} functions")
    for service, function in sorted(deployment.functions.items()):
        out.print(f"  {service}: {function}", highlight=False)
    out.print(f"  ingress: {deployment.ingress_function}", highlight=False)
    for note in deployment.notes:
        out.print(f"  note: {note}", highlight=False)
    out.print(f"ingress URL:  {deployment.ingress_url}", highlight=False)
    out.print(f"webhook URL:  {deployment.webhook_url}", highlight=False)
    out.print(f"GitLab hook:  {deployment.ingress_url}/webhooks/gitlab", highlight=False)
    out.print(f"  its secret token: the gitlab_webhook_token of {deployment.ingress_secret}", highlight=False)
    out.print(
        f"API:          {deployment.ingress_url}/api (token: the api_token of {deployment.ingress_secret})",
        highlight=False,
    )
    out.print(
        f"API document: {deployment.ingress_url}/api/openapi.json (OpenAPI; no console page on AWS: deploy/README.md)",
        highlight=False,
    )
    out.print(f"bus:          {deployment.bus_name}", highlight=False)
    out.print(f"alarms to:    {deployment.alarm_topic}", highlight=False)
    skipped = _preflight_skipped(preflight, outside_credentials_secret, endpoint_url)
    if skipped:
        out.print(f"preflight:    skipped ({skipped})", highlight=False)
        return
    given = ctx.obj if isinstance(ctx.obj, DeployOutside) else DeployOutside()
    _preflight(AwsClients(session, endpoint_url), deployment, outside_credentials_secret, given.github)


def _preflight_skipped(asked: bool | None, outside_credentials_secret: str, endpoint_url: str | None) -> str:
    """Why the preflight does not run, or "" when it does. Unasked, it runs on AWS with the outside credentials;
    an emulator's ingress (http://emulator.invalid unless --public-url) is no URL GitHub could deliver to."""
    if asked is False:
        return "--no-preflight"
    if asked:
        return ""
    if not outside_credentials_secret:
        return "no --outside-credentials-secret, so no GitHub App to configure"
    if endpoint_url:
        return f"--endpoint-url {endpoint_url} is an emulator GitHub cannot reach; --preflight runs it anyway"
    return ""


def _preflight(
    clients: AwsClients,
    deployment: Deployment,
    outside_credentials_secret: str,
    github_http: httpx.Client | None = None,
) -> None:
    """The RFC's deploy side effect: the GitHub App's webhook goes to this stack's ingress, with its secret."""
    from adapters.eventbridge.stack.preflight import PreflightError, point_github_app, read_secret

    secretsmanager = clients("secretsmanager")
    if not outside_credentials_secret:
        err.print("[red]preflight needs --outside-credentials-secret[/red] (the GitHub App's id and private key)")
        raise typer.Exit(1)
    github = read_secret(secretsmanager, outside_credentials_secret)
    ingress = read_secret(secretsmanager, deployment.ingress_secret)
    missing = [k for k in ("github_app_id", "github_private_key") if not github.get(k)]
    if missing:
        err.print(
            f"[red]preflight failed[/red]: {outside_credentials_secret} lacks {', '.join(missing)}", highlight=False
        )
        raise typer.Exit(1)
    try:
        point_github_app(
            deployment.webhook_url,
            ingress["github_webhook_secret"],
            github["github_app_id"],
            github["github_private_key"],
            client=github_http,
        )
    except PreflightError as error:
        err.print(f"[red]preflight failed[/red]: {error}", highlight=False)
        raise typer.Exit(1) from error
    out.print(f"GitHub App {github['github_app_id']}: webhook URL and secret set", highlight=False)


@app.command("template")
def template(
    format: str = typer.Option("cloudformation", "--format", help="Only `cloudformation` for now"),
    path: Path = typer.Option(TEMPLATE_PATH, "--out", help="Where to write it; `-` for stdout"),
    check: bool = typer.Option(False, "--check", help="Exit 1 with a diff when the file is stale"),
) -> None:
    """Write the CloudFormation template generated from spec/asyncapi.yaml (deterministic)."""
    if format != "cloudformation":
        err.print(f"[red]unknown format[/red] {format!r}: only `cloudformation` is supported")
        raise typer.Exit(2)
    from adapters.eventbridge.stack.template import render
    from spec.contract import Contract

    text = render(Contract.load())
    if str(path) == "-":
        typer.echo(text, nl=False)
        return
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(path), "generated", lineterm="")
            out.print("\n".join(list(diff)[:200]), markup=False, highlight=False)
            err.print(f"[red]{path} is stale[/red]: run `wingcloud deploy template`")
            raise typer.Exit(1)
        out.print(f"{path} is up to date")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    out.print(f"wrote {path}")
