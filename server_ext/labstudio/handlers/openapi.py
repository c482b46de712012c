"""GET /labstudio/api/openapi.json: the document is assembled from each resource module."""
from __future__ import annotations

import importlib
from typing import Any

from tornado import web

from .._version import __version__
from . import ROUTE_MODULES
from .base import LabstudioHandler

ERROR_SCHEMA = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string", "description": "What is wrong and how to fix it."},
        "field": {"type": "string", "description": "The request field at fault, when there is one."},
    },
}


def error_responses(*codes: int) -> dict[str, Any]:
    texts = {400: "Invalid request", 404: "Not found", 409: "Conflict", 410: "Gone", 413: "Body too large", 415: "Unsupported media type"}
    return {
        str(code): {
            "description": texts.get(code, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# Answers any route can give, whatever the resource: the base handler and Jupyter produce them.
_COMMON_RESPONSES = {
    "403": "Not authenticated: Jupyter's token (Authorization: token ...) or login, and for browsers its XSRF cookie, is missing",
    "503": "labstudio cannot use its home folder (LABSTUDIO_HOME); the message says why",
}
_BODY_RESPONSES = {
    "400": "Invalid request: the body is not a JSON object, nests too deeply, or holds text that is not Unicode",
    "413": "Body too large",
}
_PARAMETER_400 = "Invalid request: a path or query parameter is malformed (not UTF-8, not a valid name, not a number in range)"
_HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def _with_common_responses(item: dict[str, Any]) -> dict[str, Any]:
    """A copy of a path item whose operations also list the answers every route shares."""
    out = dict(item)
    for method in _HTTP_METHODS:
        operation = item.get(method)
        if not isinstance(operation, dict):
            continue
        responses = dict(operation.get("responses", {}))
        extra = dict(_COMMON_RESPONSES)
        if operation.get("parameters") or item.get("parameters"):
            extra["400"] = _PARAMETER_400
        if "requestBody" in operation:
            extra.update(_BODY_RESPONSES)
        for code, text in extra.items():
            responses.setdefault(code, error_responses(int(code))[code] | {"description": text})
        out[method] = {**operation, "responses": responses}
    return out


def build_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for module_name in ROUTE_MODULES:
        module = importlib.import_module(module_name)
        for path, item in getattr(module, "OPENAPI_PATHS", {}).items():
            paths[f"/labstudio/api{path}"] = _with_common_responses(item)
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "labstudio REST API",
            "version": __version__,
            "description": "Training jobs, experiments and endpoints of labstudio. Every route needs Jupyter's authentication.",
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
        "security": [{"token": []}],
        "paths": paths,
    }


class OpenAPIHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(build_document())


def routes() -> list[tuple[str, type]]:
    return [(r"/openapi.json", OpenAPIHandler)]


OPENAPI_PATHS = {
    "/openapi.json": {
        "get": {
            "summary": "This OpenAPI document",
            "responses": {"200": json_response("The OpenAPI 3 document", {"type": "object"})},
        }
    }
}
