"""What the REST handlers of every job kind share: list, describe, stop and logs.

Training, processing and transform jobs run on one job engine (jobs/service.py): reading and
stopping a job is the same call on the kind's service, so each kind's module subclasses these
handlers naming its service (`SERVICE`, the Core attribute) and keeps only its own create.
Not a route module itself (handlers/__init__.py lists the kinds' modules).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from tornado import web

from ..shapes import NAME_PATTERN
from ..shapes.jobs import LogChunk
from ..shapes.openapi import Operation, Param, Reply
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"
MAX_OFFSET = 2**53 - 1  # the largest integer a JSON client (JavaScript) holds exactly; far beyond any log

NAME_PARAM = Param("name", "path", {"type": "string", "pattern": NAME_PATTERN})
LIST_PARAMS = (
    Param("limit", schema={"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    Param("next_token"),
    Param("status"),
    Param("name_contains"),
)


class JobKindHandler(LabstudioHandler):
    """A handler of one job kind: `SERVICE` names its service on the Core ("jobs", "processing"...)."""

    SERVICE: ClassVar[str]

    def kind_service(self) -> Any:
        return getattr(self.core, self.SERVICE)

    def jupyter_root(self, resolve: bool = False) -> Path:
        """The Jupyter root: request paths are taken from it and may not leave it."""
        root = Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))
        return root.resolve() if resolve else root

    def reply_created(self, described: dict[str, Any], collection: str, name_key: str) -> None:
        """201 with the new job described and its Location (`collection` is e.g. "processing-jobs")."""
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/{collection}/{described[name_key]}")
        self.reply(described, status=201)


class JobListHandler(JobKindHandler):
    @web.authenticated
    async def get(self) -> None:
        result = await self.call(
            self.kind_service().list,
            status=self.get_query_argument("status", None) or None,
            name_contains=self.get_query_argument("name_contains", None) or None,
            limit=self.int_argument("limit", 100, minimum=1, maximum=1000),
            next_token=self.get_query_argument("next_token", None) or None,
        )
        self.reply(result)


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
        offset = self.int_argument("offset", 0, minimum=0, maximum=MAX_OFFSET)
        host = self.get_query_argument("host", None) or None
        if host is None:
            self.reply(await self.call(self.kind_service().logs, name, offset))
        else:
            self.reply(await self.call(self.kind_service().logs, name, offset, host=host))


def kind_routes(collection: str, prefix: str, create: type[JobListHandler]) -> list[tuple[str, type]]:
    """/<collection>[/{name}[/stop|/logs]] of one kind: `create` is its list-and-create handler
    (a JobListHandler subclass with the kind's SERVICE and post); describe, stop and logs are
    the shared handlers bound to the same service (named `<prefix>Handler`... in logs)."""
    bound = {"SERVICE": create.SERVICE}
    return [
        (rf"/{collection}", create),
        (rf"/{collection}/{NAME}", type(f"{prefix}Handler", (JobDescribeHandler,), bound)),
        (rf"/{collection}/{NAME}/stop", type(f"{prefix}StopHandler", (JobStopHandler,), bound)),
        (rf"/{collection}/{NAME}/logs", type(f"{prefix}LogsHandler", (JobLogsHandler,), bound)),
    ]


def logs_operation(collection: str) -> Operation:
    """GET /<collection>/{name}/logs: the same for every kind."""
    return Operation(
        "get", f"/{collection}/{{name}}/logs", "Log text from a byte offset; follow by passing next_offset back",
        {200: Reply("A chunk of the log", LogChunk)},
        errors=(400, 404),
        params=(
            NAME_PARAM,
            Param("offset", schema={"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
            Param("host", description="Only this host's lines (algo-1..algo-N) of a multi-host job."),
        ),
    )


__all__ = [
    "LIST_PARAMS",
    "MAX_OFFSET",
    "NAME",
    "NAME_PARAM",
    "JobDescribeHandler",
    "JobKindHandler",
    "JobListHandler",
    "JobLogsHandler",
    "JobStopHandler",
    "kind_routes",
    "logs_operation",
]
