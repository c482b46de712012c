"""REST for experiments: /labstudio/api/experiments[/{name}[/tags]].

An experiment is addressed by name (URL-encoded) or by id. Renaming, describing and tagging
are one PATCH; `/tags` merges (POST) or removes (DELETE ?key=) tags for clients that only tag.
DELETE removes the experiment's runs and their stored artifacts; it answers 409 when a run
belongs to a training job still running, unless `?skip_running=true` (then those runs, and so
the experiment, stay).
"""
from __future__ import annotations

from urllib.parse import quote

from tornado import web

from ..errors import Invalid
from .base import LabstudioHandler
from .openapi import error_responses, json_response

NAME = r"(?P<name>[^/]+)"


def bool_argument(handler: LabstudioHandler, name: str) -> bool:
    raw = (handler.get_query_argument(name, "") or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise Invalid(f"Query parameter '{name}' must be true or false, got {raw!r}.", field=name)


class ExperimentsHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply({"experiments": await self.call(self.core.experiments.list_experiments)})

    @web.authenticated
    async def post(self) -> None:
        body = self.json_body()
        unknown = set(body) - {"name", "description", "tags"}
        if unknown:
            raise Invalid(f"Unknown field(s) {', '.join(sorted(unknown))}; expected name, description, tags.", field=sorted(unknown)[0])
        exp = await self.call(self.core.experiments.create_experiment, body.get("name"), body.get("description", ""), body.get("tags"))
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/experiments/{quote(exp['name'], safe='')}")
        self.reply(exp, status=201)


class ExperimentHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.experiments.get_experiment, name))

    @web.authenticated
    async def patch(self, name: str) -> None:
        body = self.json_body()
        unknown = set(body) - {"name", "description", "tags"}
        if unknown:
            raise Invalid(f"Unknown field(s) {', '.join(sorted(unknown))}; expected name, description, tags.", field=sorted(unknown)[0])
        self.reply(
            await self.call(
                self.core.experiments.update_experiment, name, new_name=body.get("name"), description=body.get("description"), tags=body.get("tags")
            )
        )

    @web.authenticated
    async def delete(self, name: str) -> None:
        skip = bool_argument(self, "skip_running")
        self.reply(await self.call(self.core.experiments.delete_experiment, name, skip_running=skip))


class ExperimentTagsHandler(LabstudioHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        body = self.json_body()
        tags = body.get("tags", body)
        if not isinstance(tags, dict) or not tags:
            raise Invalid("Send {\"tags\": {\"name\": \"value\", ...}} (a null value removes a tag).", field="tags")
        exp = await self.call(self.core.experiments.update_experiment, name, tags=tags)
        self.reply(exp)

    @web.authenticated
    async def delete(self, name: str) -> None:
        keys = self.get_query_arguments("key")
        if not keys:
            raise Invalid("Name the tag(s) to remove with ?key=NAME (repeatable).", field="key")
        exp = await self.call(self.core.experiments.update_experiment, name, tags={k: None for k in keys})
        self.reply(exp)


def routes() -> list[tuple[str, type]]:
    return [
        (r"/experiments", ExperimentsHandler),
        (rf"/experiments/{NAME}", ExperimentHandler),
        (rf"/experiments/{NAME}/tags", ExperimentTagsHandler),
    ]


_NAME_PARAM = {"name": "name", "in": "path", "required": True, "description": "Experiment name (URL-encoded) or id", "schema": {"type": "string"}}
_TAGS = {"type": "object", "additionalProperties": {"type": "string", "nullable": True}, "description": "A null value removes the tag."}

OPENAPI_SCHEMAS = {
    "Experiment": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "tags": {"type": "object", "additionalProperties": {"type": "string"}},
            "created_time": {"type": "number", "description": "Epoch seconds"},
            "last_modified_time": {"type": "number"},
            "run_count": {"type": "integer"},
            "in_progress_count": {"type": "integer"},
            "last_run_time": {"type": "number", "nullable": True},
            "metric_names": {"type": "array", "items": {"type": "string"}, "description": "Only in GET /experiments/{name}"},
            "param_names": {"type": "array", "items": {"type": "string"}, "description": "Only in GET /experiments/{name}"},
        },
    },
    "ExperimentRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "maxLength": 255, "description": "Required to create; a new name renames (PATCH)."},
            "description": {"type": "string"},
            "tags": _TAGS,
        },
    },
    "DeleteResult": {
        "type": "object",
        "properties": {
            "experiment": {"type": "string"},
            "deleted_runs": {"type": "integer"},
            "skipped_running_runs": {"type": "integer"},
            "experiment_deleted": {"type": "boolean"},
            "deleted_files": {"type": "integer"},
        },
    },
}

_EXP = {"$ref": "#/components/schemas/Experiment"}
_BODY = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExperimentRequest"}}}}

OPENAPI_PATHS = {
    "/experiments": {
        "get": {
            "summary": "List experiments (newest activity first) with run counts",
            "responses": {"200": json_response("Experiments", {"type": "object", "properties": {"experiments": {"type": "array", "items": _EXP}}})},
        },
        "post": {
            "summary": "Create an experiment",
            "requestBody": _BODY,
            "responses": {"201": json_response("The new experiment", _EXP), **error_responses(400, 409)},
        },
    },
    "/experiments/{name}": {
        "parameters": [_NAME_PARAM],
        "get": {"summary": "One experiment, with its metric and parameter names", "responses": {"200": json_response("The experiment", _EXP), **error_responses(404)}},
        "patch": {
            "summary": "Rename, describe or tag an experiment",
            "requestBody": _BODY,
            "responses": {"200": json_response("The updated experiment", _EXP), **error_responses(400, 404, 409)},
        },
        "delete": {
            "summary": "Delete an experiment, its runs and their stored artifacts",
            "description": "409 if a run belongs to a running training job, unless skip_running=true (those runs stay).",
            "parameters": [{"name": "skip_running", "in": "query", "schema": {"type": "boolean", "default": False}}],
            "responses": {"200": json_response("What was deleted", {"$ref": "#/components/schemas/DeleteResult"}), **error_responses(400, 404, 409)},
        },
    },
    "/experiments/{name}/tags": {
        "parameters": [_NAME_PARAM],
        "post": {
            "summary": "Merge tags into an experiment (null removes)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {"tags": _TAGS}}}}},
            "responses": {"200": json_response("The experiment", _EXP), **error_responses(400, 404)},
        },
        "delete": {
            "summary": "Remove tags",
            "parameters": [{"name": "key", "in": "query", "required": True, "schema": {"type": "array", "items": {"type": "string"}}}],
            "responses": {"200": json_response("The experiment", _EXP), **error_responses(400, 404)},
        },
    },
}
