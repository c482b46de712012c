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
from ..shapes import parse
from ..shapes.experiments import (
    CreateExperimentRequest,
    DeleteResponse,
    Experiment,
    ListExperimentsResponse,
    TagExperimentRequest,
    TagUpdates,
    UpdateExperimentRequest,
)
from ..shapes.openapi import Operation, Param, Reply
from ..shapes.validate import parse_value
from .base import LabstudioHandler

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
        body = parse(CreateExperimentRequest, self.json_body())
        exp = await self.call(self.core.experiments.create_experiment, body.name, body.description or "", body.tags)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/experiments/{quote(exp['name'], safe='')}")
        self.reply(exp, status=201)


class ExperimentHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.experiments.get_experiment, name))

    @web.authenticated
    async def patch(self, name: str) -> None:
        body = parse(UpdateExperimentRequest, self.json_body())
        self.reply(await self.call(self.core.experiments.update_experiment, name, new_name=body.name, description=body.description, tags=body.tags))

    @web.authenticated
    async def delete(self, name: str) -> None:
        skip = bool_argument(self, "skip_running")
        self.reply(await self.call(self.core.experiments.delete_experiment, name, skip_running=skip))


class ExperimentTagsHandler(LabstudioHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        body = self.json_body()
        # {"tags": {...}}, or for short the tags object itself
        tags = parse(TagExperimentRequest, body).tags if "tags" in body else parse_value(TagUpdates, body, "tags")
        if not tags:
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


_NAME = Param("name", "path", description="Experiment name (URL-encoded) or id")

OPENAPI = [
    Operation("get", "/experiments", "List experiments (newest activity first) with run counts", {200: Reply("Experiments", ListExperimentsResponse)}),
    Operation(
        "post", "/experiments", "Create an experiment", {201: Reply("The new experiment", Experiment)}, errors=(400, 409), request=CreateExperimentRequest
    ),
    Operation(
        "get", "/experiments/{name}", "One experiment, with its metric and parameter names", {200: Reply("The experiment", Experiment)},
        errors=(404,), params=(_NAME,),
    ),
    Operation(
        "patch", "/experiments/{name}", "Rename, describe or tag an experiment", {200: Reply("The updated experiment", Experiment)},
        errors=(400, 404, 409), params=(_NAME,), request=UpdateExperimentRequest,
    ),
    Operation(
        "delete", "/experiments/{name}", "Delete an experiment, its runs and their stored artifacts",
        {200: Reply("What was deleted", DeleteResponse)},
        errors=(400, 404, 409),
        params=(_NAME, Param("skip_running", schema={"type": "boolean", "default": False})),
        description="409 if a run belongs to a running training job, unless skip_running=true (those runs stay).",
    ),
    Operation(
        "post", "/experiments/{name}/tags", "Merge tags into an experiment (null removes)", {200: Reply("The experiment", Experiment)},
        errors=(400, 404), params=(_NAME,),
        request={"anyOf": [{"$ref": "#/components/schemas/TagExperimentRequest"}, {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "null"}]}}]},
        extra_models=(TagExperimentRequest,),
        description="Send {\"tags\": {...}}, or the tags object itself.",
    ),
    Operation(
        "delete", "/experiments/{name}/tags", "Remove tags", {200: Reply("The experiment", Experiment)},
        errors=(400, 404),
        params=(_NAME, Param("key", required=True, schema={"type": "array", "items": {"type": "string"}})),
    ),
]
