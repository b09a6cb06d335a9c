"""What the ingress function serves, decided once: the template's HTTP API routes and the ingress app come
from here (a test checks that the app answers on every route and the API Gateway sends it nothing else)."""

from __future__ import annotations

# API Gateway route keys (HTTP API): each goes to the ingress function's Lambda integration.
ROUTES = (
    "POST /webhooks/github",
    "POST /webhooks/gitlab",
    "POST /runtime/reports",
    "GET /runtime/reports",
    "POST /runtime/logs",
    "POST /runtime/clone-access",
    "ANY /api/{proxy+}",
)
# The services whose doors and API commands the ingress function runs (with each one's own grants).
HOSTED_SERVICES = ("api", "apps", "github", "gitlab", "logs", "runtime", "secrets")
# A synchronous Lambda invocation carries at most 6 MB of request (API Gateway's HTTP API 10 MB): a body over
# this limit is refused with 413 here rather than failing in front of the function. GitHub caps its
# payloads at 25 MB, so on AWS a webhook between 5 and 25 MB is refused (locally: accepted).
MAX_BODY_BYTES = 5 * 1024 * 1024
