"""REST for every kind of job, from the job-kind registry (jobs/kinds.py):
/labstudio/api/<collection>[/{name}[/stop|/logs]] — list, create, describe, stop and logs.

Every kind runs on one job engine, so reading, creating and stopping a job is the same call on
the kind's service (`core.job_service(kind)`); what differs (the create body, the answers'
shapes, the nouns) is the kind's registry entry. GET /jobs, training's collection, is also the
list of every kind (`kind=`): training jobs were the first kind, and clients that read
`TrainingJobSummaries` from it keep doing so.

Paths in a create request (code, source_dir, channels, inputs, a model) are taken from the
Jupyter root and may not leave it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from tornado import web

from ..jobs import kinds
from ..jobs.kinds import JobKind
from ..shapes import NAME_PATTERN
from ..shapes.common import Request
from ..shapes.joblist import ListJobsQuery, ListJobsResponse, ListQuery, entry_models
from ..shapes.jobs import LogChunk
from ..shapes.openapi import Operation, Param, Reply, query_params
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"
MAX_OFFSET = 2**53 - 1  # the largest integer a JSON client (JavaScript) holds exactly; far beyond any log
EVERY_KIND_COLLECTION = kinds.TRAINING.collection  # GET /jobs?kind= lists every kind

NAME_PARAM = Param("name", "path", {"type": "string", "pattern": NAME_PATTERN})


class LogsQuery(Request):
    """The query of GET /<collection>/{name}/logs."""

    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Byte offset to read from: 0, or the next_offset of the previous chunk.")
    host: str | None = Field(default=None, description="Only this host's lines (algo-1..algo-N) of a multi-host job.")


class JobKindHandler(LabstudioHandler):
    """A handler of one job kind: `KIND` names its registry entry."""

    KIND: ClassVar[str]

    @property
    def kind(self) -> JobKind:
        return kinds.get(self.KIND)

    def kind_service(self) -> Any:
        return self.core.job_service(self.KIND)

    def jupyter_root(self) -> Path:
        """The Jupyter root: request paths are taken from it and may not leave it."""
        return Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))


class JobCollectionHandler(JobKindHandler):
    """GET: a page of the kind's jobs (and, on /jobs with `kind`, of every kind asked for);
    POST: submit a job of the kind."""

    @web.authenticated
    async def get(self) -> None:
        query: ListQuery
        if self.kind.collection == EVERY_KIND_COLLECTION:
            query = every = self.query(ListJobsQuery)
            if every.kind is not None:
                page = {"status": query.status, "name_contains": query.name_contains, "limit": query.limit, "next_token": query.next_token}
                self.reply(await self.call(self.core.engine.list_kinds, every.kind, **page))
                return
        else:
            query = self.query(ListQuery)
        service = self.kind_service()
        self.reply(await self.call(service.list, status=query.status, name_contains=query.name_contains, limit=query.limit, next_token=query.next_token))

    @web.authenticated
    async def post(self) -> None:
        # The kind's definition validates the body (its shape, then the paths, regexes and
        # the rest) and refuses it with every problem at once, so it is passed on as sent.
        kind = self.kind
        root = self.jupyter_root()
        described = await self.call(self.kind_service().submit, self.json_body(), base_dir=root, root_dir=root)
        name = getattr(described, kind.name_key)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/{kind.collection}/{name}")
        self.reply(described, status=201)


class JobDescribeHandler(JobKindHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.kind_service().describe, name))


class JobStopHandler(JobKindHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call(self.kind_service().stop, name), status=202)


class JobLogsHandler(JobKindHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        query = self.query(LogsQuery)
        self.reply(await self.call(self.kind_service().logs, name, query.offset, host=query.host))


def kind_routes(kind: JobKind) -> list[tuple[str, type]]:
    """/<collection>[/{name}[/stop|/logs]] of one kind: the shared handlers bound to it
    (named after its stem in logs: `ProcessingJobHandler`...)."""
    bound = {"KIND": kind.name}
    prefix = kind.stem if kind is not kinds.TRAINING else "Job"
    return [
        (rf"/{kind.collection}", type(f"{prefix}sHandler", (JobCollectionHandler,), bound)),
        (rf"/{kind.collection}/{NAME}", type(f"{prefix}Handler", (JobDescribeHandler,), bound)),
        (rf"/{kind.collection}/{NAME}/stop", type(f"{prefix}StopHandler", (JobStopHandler,), bound)),
        (rf"/{kind.collection}/{NAME}/logs", type(f"{prefix}LogsHandler", (JobLogsHandler,), bound)),
    ]


def kind_operations(kind: JobKind) -> list[Operation]:
    """The OpenAPI operations of one kind's routes."""
    definition, noun, path = kind.definition, kind.noun.lower(), f"/{kind.collection}"
    described: type[BaseModel] = definition.describe_model
    if kind.collection == EVERY_KIND_COLLECTION:
        listing = Operation(
            "get", path, f"List {noun}s, or with `kind` jobs of every kind asked for, newest first",
            {200: Reply(f"A page of jobs: {kind.summaries_key} without `kind`, JobSummaries with it", ListJobsResponse)},
            errors=(400,),
            params=query_params(ListJobsQuery),
            description=f"Without `kind`, SageMaker's List{kind.stem}s. With `kind` ({', '.join(kinds.names())}; "
            "repeated or comma-separated), one list of those kinds in one order and one paging: each row is its "
            "kind's summary with `Kind`. Tuning trials are training jobs (their TuningJobName is set).",
            reply_models=tuple(entry_models()),
        )
    else:
        listing = Operation(
            "get", path, f"List {noun}s, newest first",
            {200: Reply(f"A page of {noun}s", definition.list_model)},
            errors=(400,),
            params=query_params(ListQuery),
        )
    return [
        listing,
        Operation(
            "post", path, f"Submit a {noun}",
            {201: Reply(f"The new {noun}, described", described)},
            errors=(400, 409),
            request=definition.request,
            description=(definition.request.__doc__ or "").strip() or None,
        ),
        Operation("get", f"{path}/{{name}}", f"Describe a {noun}", {200: Reply(f"The {noun}", described)}, errors=(404,), params=(NAME_PARAM,)),
        Operation(
            "post", f"{path}/{{name}}/stop", f"Stop a running {noun} (SIGTERM to its process group, SIGKILL after the grace period)",
            {202: Reply(f"The {noun}, now Stopping", described)},
            errors=(404, 409),
            params=(NAME_PARAM,),
        ),
        Operation(
            "get", f"{path}/{{name}}/logs", "Log text from a byte offset; follow by passing next_offset back",
            {200: Reply("A chunk of the log", LogChunk)},
            errors=(400, 404),
            params=(NAME_PARAM, *query_params(LogsQuery)),
        ),
    ]


def routes() -> list[tuple[str, type]]:
    return [route for kind in kinds.every() for route in kind_routes(kind)]


def OPENAPI() -> list[Operation]:  # the name every route module's operations go by (handlers/__init__.py)
    """Every registered kind's operations, read when the document is built."""
    return [op for kind in kinds.every() for op in kind_operations(kind)]

__all__ = ["MAX_OFFSET", "NAME", "NAME_PARAM", "JobKindHandler", "LogsQuery", "kind_operations", "kind_routes", "routes"]
