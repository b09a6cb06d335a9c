"""fly.io's Machines API for the contract tests: its recorded OpenAPI description as a checker of request
bodies, and an emulator of the calls `MachinesClient` makes that checks every body it receives.

How the description is read (see tests/fixtures/flyio/README.md): OpenAPI 3.0 Schema Objects are an extended
subset of JSON Schema draft 4 (`$ref` siblings ignored, unknown keywords such as `example` are annotations),
so bodies are validated with `Draft4Validator`, `$ref`s resolved inside the document through `referencing`.
fly.io's decoders drop fields they do not know, so every object schema that declares `properties` is closed
first: a body may carry documented fields only, and a misspelt one fails here instead of vanishing there.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.fixtures import flyio_openapi

URI = "urn:flyio:machines-openapi"


def closed(node: Any) -> Any:
    """A copy of a schema in which every object that declares `properties` allows no other property."""
    if isinstance(node, list):
        return [closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: closed(value) for key, value in node.items()}
    if "properties" in copy and "additionalProperties" not in copy:
        copy["additionalProperties"] = False
    return copy


class OpenAPIRequests:
    """The request body schema of each operation of the recorded description, as validators."""

    def __init__(self) -> None:
        self.document = closed(flyio_openapi())
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(URI, resource)
        self._routes = [
            (re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", template) + "$"), template)
            for template in self.document["paths"]
        ]

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """The described operation for a request, e.g. ("POST", "/v1/apps/wc-env-1/volumes")."""
        for pattern, template in self._routes:
            if pattern.match(path):
                found: dict[str, Any] | None = self.document["paths"][template].get(method.lower())
                if found is not None:
                    return found
        raise AssertionError(f"fly.io's description has no {method} {path}")

    def errors(self, method: str, path: str, body: Any) -> list[str]:
        """Why `body` is not a valid request body of the operation (empty when it is)."""
        ref = self.operation(method, path)["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        validator = Draft4Validator({"$ref": URI + ref}, registry=self._registry)
        return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in validator.iter_errors(body)]


class MachinesEmulator:
    """Just enough of api.machines.dev/v1: apps, versioned app secrets, volumes that attach to one machine,
    machines with names unique per app. A body that fly.io's description does not allow fails the test."""

    def __init__(self) -> None:
        self.openapi = OpenAPIRequests()
        self.apps: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.checked: list[str] = []  # operationId of every body checked, in order
        self._next = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        assert request.headers["Authorization"] == "Bearer fly-token"
        body = json.loads(request.content) if request.content else {}
        if request.content:
            errors = self.openapi.errors(request.method, request.url.path, body)
            assert not errors, f"{request.method} {request.url.path}: {errors}"
            self.checked.append(self.openapi.operation(request.method, request.url.path)["operationId"])
        parts = request.url.path.removeprefix("/v1/").split("/")
        if parts == ["apps"]:
            if body["name"] in self.apps:
                return httpx.Response(422, json={"error": "Name has already been taken", "status": "name_taken"})
            self.apps[body["name"]] = {
                "org": body["org_slug"],
                "secrets": {},
                "version": 0,
                "machines": [],
                "volumes": [],
            }
            return httpx.Response(201, json={"id": body["name"], "created_at": 0})
        app = self.apps.get(parts[1])
        if app is None:
            return httpx.Response(404, json={"error": "app not found"})
        if len(parts) == 2:
            if request.method == "DELETE":
                del self.apps[parts[1]]
                return httpx.Response(202)
            return httpx.Response(200, json={"name": parts[1]})
        if parts[2] == "secrets":
            app["secrets"].update(body["values"])
            app["version"] += 1
            return httpx.Response(200, json={"version": app["version"], "secrets": []})
        if parts[2] == "volumes":
            return self._volumes(app, request.method, body)
        if len(parts) == 4 and request.method == "DELETE":  # machines/{id}: stopped, deleted, its volume freed
            self.openapi.operation(request.method, request.url.path)
            assert request.url.params.get("force") == "true"
            doomed = [m for m in app["machines"] if m["id"] == parts[3]]
            app["machines"] = [m for m in app["machines"] if m["id"] != parts[3]]
            for volume in app["volumes"]:
                if doomed and volume["attached_machine_id"] == parts[3]:
                    volume["attached_machine_id"] = ""
            return httpx.Response(200 if doomed else 404, json={} if doomed else {"error": "machine not found"})
        if request.method == "GET":
            return httpx.Response(200, json=app["machines"])
        return self._create_machine(app, body)

    def _volumes(self, app: dict[str, Any], method: str, body: dict[str, Any]) -> httpx.Response:
        if method == "GET":
            return httpx.Response(200, json=app["volumes"])
        self._next += 1
        volume = {**body, "id": f"vol_{self._next:04d}", "state": "created", "attached_machine_id": ""}
        app["volumes"].append(volume)
        return httpx.Response(200, json=volume)

    def _create_machine(self, app: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        if any(m["name"] == body["name"] for m in app["machines"]):
            return httpx.Response(409, json={"error": "machine name already in use"})
        volumes = {v["id"]: v for v in app["volumes"]}
        for mount in body["config"].get("mounts", []):
            volume = volumes.get(mount["volume"])
            if volume is None or volume["region"] != body.get("region") or volume["attached_machine_id"]:
                return httpx.Response(422, json={"error": f"volume {mount['volume']} cannot be mounted here"})
        self._next += 1
        machine = {"id": f"m{self._next:04d}", **body}
        for mount in body["config"].get("mounts", []):
            volumes[mount["volume"]]["attached_machine_id"] = machine["id"]
        app["machines"].append(machine)
        return httpx.Response(200, json=machine)
