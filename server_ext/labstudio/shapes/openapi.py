"""The OpenAPI document, generated: component schemas from the shapes' JSON schemas, paths
from the small `Operation` declarations each handler module keeps next to its handlers.

Run as `python -m labstudio.shapes.openapi` it prints the document; `openapi/openapi.json`
is that output, and the panel's TypeScript types are generated from it (`jlpm gen:types`).
The document is OpenAPI 3.1: pydantic writes JSON Schema 2020-12 (`anyOf` with `null`,
numeric `exclusiveMinimum`), which 3.1 takes as it is.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .common import Error

REF = "#/components/schemas/{model}"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
ERROR_TEXTS = {
    400: "Invalid request",
    404: "Not found",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    413: "Body too large",
    415: "Unsupported media type",
}

Schema = type[BaseModel] | dict[str, Any]


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter; `schema` is a JSON schema."""

    name: str
    where: Literal["path", "query", "header"] = "query"
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    description: str | None = None
    required: bool = False


@dataclass(frozen=True)
class Reply:
    """One documented answer: a model (JSON), a raw schema, or other content types."""

    description: str
    body: Schema | None = None
    content: dict[str, dict[str, Any]] | None = None  # media type -> schema, for non-JSON answers


@dataclass(frozen=True)
class Operation:
    """One route and method: what it takes and what it answers. Error codes answer the Error shape."""

    method: str
    path: str
    summary: str
    replies: dict[int, Reply]
    errors: tuple[int, ...] = ()
    params: tuple[Param, ...] = ()
    request: Schema | None = None
    request_content: dict[str, dict[str, Any]] | None = None  # non-JSON bodies (the invocations proxy)
    description: str | None = None
    # models a hand-written `request` schema refers to, so they become components
    extra_models: tuple[type[BaseModel], ...] = ()


# Answers any route can give, whatever the resource: the base handler and Jupyter produce them.
_COMMON_RESPONSES = {
    403: "Not authenticated: Jupyter's token (Authorization: token ...) or login, and for browsers its XSRF cookie, is missing",
    503: "labstudio cannot use its home folder (LABSTUDIO_HOME); the message says why",
}
# A change the store or the file system had no room for (errors.DiskFull): any route that writes.
_WRITE_RESPONSES = {
    507: "The disk is full: the message says what could not be written and where; reads still work",
}
_BODY_RESPONSES = {
    400: "Invalid request: the body is not a JSON object, nests too deeply, holds text that is not Unicode, or does not match its schema",
    413: "Body too large",
}
_PARAMETER_400 = "Invalid request: a path or query parameter is malformed (not UTF-8, not a valid name, not a number in range)"


def _error_reply(code: int, text: str | None = None) -> dict[str, Any]:
    return {
        "description": text or ERROR_TEXTS.get(code, "Error"),
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
    }


class _Schemas:
    """Collects every model an operation names, then asks pydantic for all their schemas at
    once, so a model used in several places becomes one component."""

    def __init__(self) -> None:
        self.models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}

    def ref(self, schema: Schema, mode: JsonSchemaMode) -> dict[str, Any]:
        if isinstance(schema, dict):
            return schema
        self.models[(schema, mode)] = None
        return {"$ref": REF.format(model=schema.__name__)}

    def components(self) -> dict[str, Any]:
        _, top = models_json_schema(list(self.models), ref_template=REF)
        defs: dict[str, Any] = top.get("$defs", {})
        for model, _mode in self.models:
            if model.__name__ not in defs:  # pydantic named it differently (same name used twice)
                raise RuntimeError(f"two shapes are both called {model.__name__}; rename one")
        return {name: _untitled(schema) for name, schema in sorted(defs.items())}


def _untitled(schema: Any) -> Any:
    """The schema without pydantic's generated titles ("Entry Point" for entry_point): they
    repeat the key, and clutter the document and the generated TypeScript."""
    if isinstance(schema, dict):
        return {k: _untitled(v) for k, v in schema.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_untitled(v) for v in schema]
    return schema


def query_params(model: type[BaseModel]) -> tuple[Param, ...]:
    """A query shape's fields as query parameters, with the bounds, choices and defaults its
    `Field`s declare (so the document and the handler read one definition). An absent
    parameter is the field's None: the `null` branch of an optional field is left out."""
    schema = model.model_json_schema(mode="validation")
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(_untitled(prop))
        description = prop.pop("description", None)
        members = prop.pop("anyOf", None)
        if members is not None:
            kept = [m for m in members if m != {"type": "null"}]
            prop = {**(kept[0] if len(kept) == 1 else {"anyOf": kept}), **prop}
        if prop.get("default", 0) is None:
            del prop["default"]
        params.append(Param(name, "query", prop, description, required=name in schema.get("required", ())))
    return tuple(params)


def _operation(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary}
    for model in op.extra_models:
        schemas.ref(model, "validation")
    if op.description:
        out["description"] = op.description
    if op.params:
        out["parameters"] = [
            {"name": p.name, "in": p.where, "required": p.required or p.where == "path", "schema": p.schema}
            | ({"description": p.description} if p.description else {})
            for p in op.params
        ]
    if op.request is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": schemas.ref(op.request, "validation")}}}
    elif op.request_content is not None:
        out["requestBody"] = {"required": True, "content": op.request_content}
    responses: dict[str, Any] = {}
    for code, reply in op.replies.items():
        item: dict[str, Any] = {"description": reply.description}
        if reply.body is not None:
            item["content"] = {"application/json": {"schema": schemas.ref(reply.body, "serialization")}}
        if reply.content:
            item["content"] = {**item.get("content", {}), **reply.content}
        responses[str(code)] = item
    for code in op.errors:
        responses.setdefault(str(code), _error_reply(code))
    extra = dict(_COMMON_RESPONSES)
    if op.method != "get":
        extra.update(_WRITE_RESPONSES)
    if op.params:
        extra[400] = _PARAMETER_400
    if "requestBody" in out:
        extra.update(_BODY_RESPONSES)
    for code, text in extra.items():
        responses.setdefault(str(code), _error_reply(code, text))
    out["responses"] = responses
    return out


def document(
    operations: Iterable[Operation],
    *,
    title: str,
    version: str,
    description: str,
    prefix: str = "",
    extra_models: Iterable[type[BaseModel]] = (),
    aliases: dict[str, type[BaseModel]] | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for these operations.

    `extra_models` become components without a route (the WebSocket's event payloads);
    `aliases` keeps a former component name pointing at the shape that replaced it.
    """
    schemas = _Schemas()
    schemas.ref(Error, "serialization")
    for model in extra_models:
        schemas.ref(model, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        if op.method not in HTTP_METHODS:
            raise ValueError(f"{op.method!r} is not an HTTP method the document lists")
        paths.setdefault(prefix + op.path, {})[op.method] = _operation(op, schemas)
    for alias in (aliases or {}).values():
        schemas.ref(alias, "serialization")
    components = schemas.components()
    for name, model in (aliases or {}).items():
        components[name] = {"$ref": REF.format(model=model.__name__), "description": f"Former name of {model.__name__}."}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "components": {
            "schemas": components,
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
        "security": [{"token": []}],
        "paths": paths,
    }


def main() -> None:
    """Print the server's document, as `openapi/openapi.json` holds it."""
    from ..handlers.openapi import build_document

    json.dump(build_document(), sys.stdout, indent=2, sort_keys=False, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
