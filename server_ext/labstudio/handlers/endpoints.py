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

from ..errors import Conflict, TooLarge
from ..serving.headers import INVOKED_HEADER, VARIANT_HEADER
from ..shapes import parse
from ..shapes.endpoints import (
    ENDPOINT_STATUSES,
    TOKEN_CHARS,
    AsyncInvocationDescription,
    CreateEndpointRequest,
    DescribeEndpointResponse,
    EndpointLogs,
    InvokeEndpointAsyncRequest,
    InvokeEndpointAsyncResponse,
    ListEndpointsResponse,
    UpdateEndpointRequest,
)
from ..shapes.openapi import Operation, Param, Reply
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"


def _timed_out(error: BaseException | None) -> bool:
    """The client's own timeout fired (simple_httpclient's HTTPTimeoutError, or curl's 599 "Timeout")."""
    return isinstance(error, HTTPClientError) and error.code == 599 and "timeout" in str(error).lower()


class _Base(LabstudioHandler):
    def root_dir(self) -> Path:
        return Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))

    def jupyter_ports(self) -> tuple[int, ...]:
        """The port this Jupyter server listens on: no endpoint may ask for it."""
        port = getattr(self.settings.get("serverapp"), "port", None)
        return (port,) if isinstance(port, int) and port > 0 else ()

    def wants_wait(self) -> bool:
        return self.get_query_argument("wait", "false").lower() in ("1", "true", "yes")


class EndpointsHandler(_Base):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(self.core.endpoints.list, status=self.get_query_argument("status", None) or None))

    @web.authenticated
    async def post(self) -> None:
        body = parse(CreateEndpointRequest, self.json_body()).model_dump(exclude_unset=True)
        described = await self.call(
            self.core.endpoints.create, body, wait=self.wants_wait(), timeout=600, base_dir=self.root_dir(), root_dir=self.root_dir(),
            reserved_ports=self.jupyter_ports(),
        )
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/endpoints/{described['EndpointName']}")
        self.reply(described, status=201)


class EndpointHandler(_Base):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.endpoints.describe, name))

    @web.authenticated
    async def patch(self, name: str) -> None:
        body = parse(UpdateEndpointRequest, self.json_body()).model_dump(exclude_unset=True)
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

    def finish(self, chunk: Any = None) -> Any:
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
            if not TOKEN_CHARS.match(token):  # stored before create refused such tokens
                raise Conflict(
                    f"Endpoint {name!r} has an AuthToken that cannot be sent in an HTTP header (a line break, a space or a "
                    "non-ASCII character); delete the endpoint and create it again with a token of printable ASCII.",
                    field="AuthToken",
                )
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


class AsyncInvocationsHandler(_Base):
    @web.authenticated
    async def post(self, name: str) -> None:
        body = parse(InvokeEndpointAsyncRequest, self.json_body())
        answer = await self.call(self.core.endpoints.invoke_async, name, body.model_dump(exclude_unset=True), base_dir=self.root_dir(), root_dir=self.root_dir())
        self.reply(answer, status=202)


class AsyncInvocationHandler(_Base):
    @web.authenticated
    async def get(self, name: str, inference_id: str) -> None:
        self.reply(await self.call(self.core.endpoints.describe_async, name, inference_id))


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
        (rf"/endpoints/{NAME}/async-invocations", AsyncInvocationsHandler),
        (rf"/endpoints/{NAME}/async-invocations/(?P<inference_id>[^/]+)", AsyncInvocationHandler),
    ]


_NAME = Param("name", "path")
_WAIT = Param("wait", schema={"type": "boolean"}, description="Answer once the endpoint is InService or Failed.")
_BINARY = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
_DESCRIBED = DescribeEndpointResponse

OPENAPI = [
    Operation(
        "get", "/endpoints", "List endpoints, newest first", {200: Reply("Endpoints", ListEndpointsResponse)}, errors=(400,),
        params=(Param("status", schema={"type": "string", "enum": list(ENDPOINT_STATUSES)}),),
    ),
    Operation(
        "post", "/endpoints", "Create (deploy) an endpoint",
        {201: Reply("The endpoint (Creating, or InService/Failed with ?wait=true)", _DESCRIBED)},
        errors=(400, 404, 409), params=(_WAIT,), request=CreateEndpointRequest,
    ),
    Operation(
        "get", "/endpoints/{name}", "Describe an endpoint, with per-variant figures", {200: Reply("The endpoint", _DESCRIBED)},
        errors=(404,), params=(_NAME,),
    ),
    *(
        Operation(
            method, "/endpoints/{name}",
            "Update an endpoint's variants (blue/green: the new ones pass /ping before traffic moves)" if method == "patch" else "Same as PATCH",
            {200: Reply("The endpoint (Updating, or the result with ?wait=true)", _DESCRIBED)},
            errors=(400, 404, 409), params=(_NAME, _WAIT), request=UpdateEndpointRequest,
        )
        for method in ("patch", "put")
    ),
    Operation(
        "delete", "/endpoints/{name}", "Delete an endpoint: every worker ends and the port is freed", {204: Reply("Deleted")},
        errors=(404,), params=(_NAME,),
    ),
    Operation(
        "post", "/endpoints/{name}/invocations", "Invoke the endpoint through the Jupyter server (authenticated proxy)",
        {
            200: Reply("The model's answer, in the content type it chose", content=_BINARY),
            502: Reply("The endpoint did not answer"),
            504: Reply("The model did not answer within the endpoint's ModelServerTimeout"),
        },
        errors=(400, 404, 406, 409, 413, 415),
        params=(
            _NAME,
            Param("Accept", "header"),
            Param(VARIANT_HEADER, "header", description="Send the request to this variant."),
        ),
        request_content=_BINARY,
    ),
    Operation(
        "post", "/endpoints/{name}/async-invocations",
        "InvokeEndpointAsync: queue a request on an asynchronous endpoint; the result appears at OutputLocation",
        {202: Reply("Queued", InvokeEndpointAsyncResponse)},
        errors=(400, 404, 409), params=(_NAME,), request=InvokeEndpointAsyncRequest,
    ),
    Operation(
        "get", "/endpoints/{name}/async-invocations/{inference_id}", "One asynchronous request's state",
        {200: Reply("The request", AsyncInvocationDescription)},
        errors=(400, 404), params=(_NAME, Param("inference_id", "path")),
    ),
    Operation(
        "get", "/endpoints/{name}/logs", "The last lines of the endpoint's log (supervisor, workers, router)",
        {200: Reply("Log text", EndpointLogs)},
        errors=(400, 404),
        params=(_NAME, Param("tail", schema={"type": "integer", "minimum": 1, "maximum": 100000, "default": 200})),
    ),
]
