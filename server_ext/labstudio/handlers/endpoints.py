"""REST for endpoints: /labstudio/api/endpoints[/{name}[/invocations|/logs]].

The invocations route is an authenticated proxy (Jupyter's auth in front, the endpoint's
bearer token added here), so the panel can test an endpoint without knowing its port or
token. It uses tornado's AsyncHTTPClient: a slow model never holds the event loop. It waits
longer than the endpoint's own timeout, so the endpoint's 504 (with its message) reaches
the client; if the endpoint says nothing at all, the proxy answers 504 itself.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from ..serving.lifecycle import INVOKED_HEADER, VARIANT_HEADER
from ..errors import TooLarge
from .base import LabstudioHandler
from .openapi import error_responses, json_response

NAME = r"(?P<name>[^/]+)"


def _timed_out(error: BaseException | None) -> bool:
    """The client's own timeout fired (simple_httpclient's HTTPTimeoutError, or curl's 599 "Timeout")."""
    return isinstance(error, HTTPClientError) and error.code == 599 and "timeout" in str(error).lower()


class _Base(LabstudioHandler):
    def root_dir(self) -> Path:
        return Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))

    def wants_wait(self) -> bool:
        return self.get_query_argument("wait", "false").lower() in ("1", "true", "yes")


class EndpointsHandler(_Base):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(self.core.endpoints.list, status=self.get_query_argument("status", None) or None))

    @web.authenticated
    async def post(self) -> None:
        body = self.json_body()
        described = await self.call(self.core.endpoints.create, body, wait=self.wants_wait(), timeout=600, base_dir=self.root_dir(), root_dir=self.root_dir())
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/endpoints/{described['EndpointName']}")
        self.reply(described, status=201)


class EndpointHandler(_Base):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.endpoints.describe, name))

    @web.authenticated
    async def patch(self, name: str) -> None:
        body = self.json_body()
        self.reply(await self.call(self.core.endpoints.update, name, body, wait=self.wants_wait(), timeout=600, base_dir=self.root_dir(), root_dir=self.root_dir()))

    put = patch

    @web.authenticated
    async def delete(self, name: str) -> None:
        await self.call(self.core.endpoints.delete, name)
        self.set_status(204)
        self.finish()


class InvocationsProxyHandler(_Base):
    _proxied_type: str | None = None
    max_body_bytes = None  # the endpoint's own MaxPayloadBytes applies, checked in post()

    def finish(self, chunk: Any = None) -> Any:  # type: ignore[override]
        """APIHandler.finish forces JSON; a proxied answer keeps the model's content type."""
        if self._proxied_type is None:
            return super().finish(chunk)
        self.update_api_activity()
        self.set_header("Content-Type", self._proxied_type)
        return web.RequestHandler.finish(self, chunk)

    @web.authenticated
    async def post(self, name: str) -> None:
        url, token, _ = await self.call(self.core.endpoints.connection, name)
        limit = (await self.call(self.core.endpoints.get, name)).config.get("body_limit")
        size = len(self.request.body or b"")
        if limit and size > int(limit):
            raise TooLarge(f"The body is {size} bytes; endpoint {name!r} accepts at most {limit} bytes (its MaxPayloadBytes).", field="body")
        timeout = await self.call(self.core.endpoints.request_timeout, name)
        headers = {"Content-Type": self.request.headers.get("Content-Type", "application/json")}
        for key in ("Accept", VARIANT_HEADER, "X-Amzn-SageMaker-Custom-Attributes", "X-Amzn-SageMaker-Inference-Id"):
            value = self.request.headers.get(key)
            if value:
                headers[key] = value
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await AsyncHTTPClient().fetch(
                f"{url}/invocations",
                method="POST",
                body=self.request.body or b"",
                headers=headers,
                connect_timeout=timeout,
                request_timeout=timeout,
                raise_error=False,
                decompress_response=False,
            )
        except (OSError, HTTPClientError) as exc:
            if _timed_out(exc):
                raise web.HTTPError(504, f"timeout: endpoint {name!r} did not answer within {timeout:g} s") from None
            raise web.HTTPError(502, f"endpoint {name!r} did not answer: {exc}") from None
        if response.code == 599:
            if _timed_out(response.error):
                raise web.HTTPError(504, f"timeout: endpoint {name!r} did not answer within {timeout:g} s")
            raise web.HTTPError(502, f"endpoint {name!r} did not answer: {response.error}")
        self.set_status(response.code)
        self._proxied_type = response.headers.get("Content-Type", "application/octet-stream")
        variant = response.headers.get(INVOKED_HEADER)
        if variant:
            self.set_header(INVOKED_HEADER, variant)
        self.finish(response.body or b"")


class LogsHandler(_Base):
    @web.authenticated
    async def get(self, name: str) -> None:
        tail = self.int_argument("tail", 200, minimum=1, maximum=100000)
        text = await self.call(self.core.endpoints.logs, name, tail)
        self.reply({"EndpointName": name, "Log": text})


def routes() -> list[tuple[str, type]]:
    return [
        (r"/endpoints", EndpointsHandler),
        (rf"/endpoints/{NAME}", EndpointHandler),
        (rf"/endpoints/{NAME}/invocations", InvocationsProxyHandler),
        (rf"/endpoints/{NAME}/logs", LogsHandler),
    ]


_REF = {"$ref": "#/components/schemas/Endpoint"}
_NAME_PARAM = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_WAIT_PARAM = {"name": "wait", "in": "query", "schema": {"type": "boolean"}, "description": "Answer once the endpoint is InService or Failed."}

_FIGURES = {
    "type": "object",
    "properties": {
        **{k: {"type": "integer"} for k in ("Invocations", "Errors", "Invocation4XXErrors", "Invocation5XXErrors")},
        **{k: {"type": "number", "nullable": True} for k in ("LatencyAverageMs", "LatencyP50Ms", "LatencyP90Ms", "LatencyP99Ms")},
    },
}
_VARIANT_IN = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "VariantName": {"type": "string", "default": "AllTraffic"},
        "Source": {
            "type": "string",
            "description": "A Completed training job's name, or a model archive (.tar.gz) or model folder inside the Jupyter root "
            "(relative path or file://), or an archive under labstudio's artifact store when that store is remote (s3://...).",
        },
        "EntryPoint": {
            "type": "string",
            "description": "The inference script, relative to SourceDir (or the job's code); default: inference.py there, or the job's entry point.",
        },
        "SourceDir": {"type": "string", "description": "Folder holding the inference script, inside the Jupyter root."},
        "InitialVariantWeight": {"type": "number", "minimum": 0, "default": 1},
        "InitialInstanceCount": {"type": "integer", "minimum": 1, "default": 1, "description": "Worker processes."},
        "Environment": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
_CAPTURE = {
    "type": "object",
    "properties": {
        "EnableCapture": {"type": "boolean"},
        "InitialSamplingPercentage": {"type": "number", "minimum": 0, "maximum": 100},
        "DestinationS3Uri": {"type": "string"},
        "CaptureOptions": {"type": "array", "items": {"type": "object", "properties": {"CaptureMode": {"type": "string", "enum": ["Input", "Output"]}}}},
    },
}

_CAPTURE_IN = {**_CAPTURE, "additionalProperties": False}

OPENAPI_SCHEMAS: dict[str, Any] = {
    "EndpointCreate": {
        "type": "object",
        "additionalProperties": False,
        "description": "Give ProductionVariants, or for one variant its Source (EntryPoint, SourceDir, InitialInstanceCount, Environment) at the top level.",
        "properties": {
            **{k: _VARIANT_IN["properties"][k] for k in ("Source", "EntryPoint", "SourceDir", "InitialInstanceCount", "Environment")},
            "EndpointName": {"type": "string", "pattern": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"},
            "ProductionVariants": {"type": "array", "items": _VARIANT_IN},
            "Port": {"type": "integer", "description": "Default: a free port on 127.0.0.1."},
            "AuthToken": {"type": "string", "description": "Require 'Authorization: Bearer <token>' on /invocations."},
            "DataCaptureConfig": _CAPTURE_IN,
            "MaxPayloadBytes": {"type": "integer", "default": 6291456},
            "ModelServerTimeout": {"type": "number", "default": 60, "description": "Seconds a request may take, from its arrival; past it the endpoint answers 504."},
            "StartupTimeout": {"type": "number", "default": 600, "description": "Seconds the model may take to load."},
            "DefaultAccept": {"type": "string", "default": "application/json"},
            "RestartOnFailure": {"type": "boolean", "default": False},
        },
    },
    "EndpointUpdate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["ProductionVariants"],
        "properties": {
            "ProductionVariants": {
                "type": "array",
                "description": "The new set of variants. Leave Source out to keep a variant's model (e.g. to change its weight).",
                "items": _VARIANT_IN,
            },
            "DataCaptureConfig": _CAPTURE_IN,
        },
    },
    "EndpointFigures": _FIGURES,
    "Endpoint": {
        "type": "object",
        "properties": {
            "EndpointName": {"type": "string"},
            "EndpointStatus": {"type": "string", "enum": ["Creating", "InService", "Updating", "Deleting", "Failed"]},
            "FailureReason": {"type": "string", "nullable": True},
            "EndpointUrl": {"type": "string", "nullable": True},
            "InvocationsUrl": {"type": "string", "nullable": True},
            "CreationTime": {"type": "string", "format": "date-time"},
            "LastModifiedTime": {"type": "string", "format": "date-time"},
            "AuthType": {"type": "string", "enum": ["None", "Bearer"]},
            "ProductionVariants": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "VariantName": {"type": "string"},
                        "ModelData": {"type": "string"},
                        "EntryPoint": {"type": "string", "nullable": True},
                        "SourceDir": {"type": "string", "nullable": True},
                        "CurrentWeight": {"type": "number"},
                        "CurrentInstanceCount": {"type": "integer"},
                        "VariantStatus": {"type": "string"},
                        "Metrics": {"$ref": "#/components/schemas/EndpointFigures"},
                    },
                },
            },
            "DataCaptureConfig": _CAPTURE,
            "Metrics": {"$ref": "#/components/schemas/EndpointFigures"},
        },
    },
}

OPENAPI_PATHS: dict[str, Any] = {
    "/endpoints": {
        "get": {
            "summary": "List endpoints, newest first",
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": json_response("Endpoints", {"type": "object", "properties": {"Endpoints": {"type": "array", "items": _REF}}})},
        },
        "post": {
            "summary": "Create (deploy) an endpoint",
            "parameters": [_WAIT_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointCreate"}}}},
            "responses": {"201": json_response("The endpoint (Creating, or InService/Failed with ?wait=true)", _REF), **error_responses(400, 404, 409)},
        },
    },
    "/endpoints/{name}": {
        "parameters": [_NAME_PARAM],
        "get": {"summary": "Describe an endpoint, with per-variant figures", "responses": {"200": json_response("The endpoint", _REF), **error_responses(404)}},
        "patch": {
            "summary": "Update an endpoint's variants (blue/green: the new ones pass /ping before traffic moves)",
            "parameters": [_WAIT_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointUpdate"}}}},
            "responses": {"200": json_response("The endpoint (Updating, or the result with ?wait=true)", _REF), **error_responses(400, 404, 409)},
        },
        "put": {"summary": "Same as PATCH", "responses": {"200": json_response("The endpoint", _REF), **error_responses(400, 404, 409)}},
        "delete": {"summary": "Delete an endpoint: every worker ends and the port is freed", "responses": {"204": {"description": "Deleted"}, **error_responses(404)}},
    },
    "/endpoints/{name}/invocations": {
        "parameters": [_NAME_PARAM],
        "post": {
            "summary": "Invoke the endpoint through the Jupyter server (authenticated proxy)",
            "parameters": [
                {"name": "Accept", "in": "header", "schema": {"type": "string"}},
                {"name": VARIANT_HEADER, "in": "header", "schema": {"type": "string"}, "description": "Send the request to this variant."},
            ],
            "requestBody": {"required": True, "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {
                "200": {"description": "The model's answer, in the content type it chose", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
                **error_responses(400, 404, 406, 409, 413, 415),
                "502": {"description": "The endpoint did not answer"},
                "504": {"description": "The model did not answer within the endpoint's ModelServerTimeout"},
            },
        },
    },
    "/endpoints/{name}/logs": {
        "parameters": [_NAME_PARAM],
        "get": {
            "summary": "The last lines of the endpoint's log (supervisor, workers, router)",
            "parameters": [{"name": "tail", "in": "query", "schema": {"type": "integer", "default": 200}}],
            "responses": {"200": json_response("Log text", {"type": "object", "properties": {"EndpointName": {"type": "string"}, "Log": {"type": "string"}}}), **error_responses(404)},
        },
    },
}
