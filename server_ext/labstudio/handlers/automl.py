"""REST for SageMaker Autopilot: /labstudio/api/automl-jobs[/{name}[/candidates|/stop]]. The
handlers only parse HTTP: the AutoML service checks the request and the data, records the job
and starts its runner."""
from __future__ import annotations

import os
from pathlib import Path

from tornado import web

from ..errors import Invalid
from ..shapes import parse
from ..shapes.automl import (
    CreateAutoMLJobRequest,
    CreateAutoMLJobResponse,
    DescribeAutoMLJobResponse,
    ListAutoMLJobsResponse,
    ListCandidatesForAutoMLJobResponse,
    StopAutoMLJobResponse,
)
from ..shapes.openapi import Operation, Param, Reply
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"
SORT_ORDER = ("Ascending", "Descending")
STATUSES = ("InProgress", "Stopping", "Stopped", "Failed", "Completed")


class _Handler(LabstudioHandler):
    def root_dir(self) -> Path:
        return Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        raw = self.get_query_argument(name, None) or None
        if raw is not None and raw not in choices:
            raise Invalid(f"Query parameter '{name}' must be one of {', '.join(choices)}, got {raw!r}.", field=name)
        return raw


class AutoMLJobsHandler(_Handler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(
            self.core.automl.list,
            status=self.choice("status", STATUSES),
            name_contains=self.get_query_argument("name_contains", None) or None,
            sort_by=self.choice("sort_by", ("Name", "CreationTime", "Status")),
            sort_order=self.choice("sort_order", SORT_ORDER),
            max_results=self.int_argument("max_results", None, minimum=1, maximum=1000),
            next_token=self.get_query_argument("next_token", None) or None,
        ))

    @web.authenticated
    async def post(self) -> None:
        body = parse(CreateAutoMLJobRequest, self.json_body())
        result = await self.call(self.core.automl.create, body.model_dump(exclude_none=True), base_dir=self.root_dir(), root_dir=self.root_dir())
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/automl-jobs/{body.AutoMLJobName}")
        self.reply(result, status=201)


class AutoMLJobHandler(_Handler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.automl.describe, name))


class CandidatesHandler(_Handler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(
            self.core.automl.list_candidates, name,
            status=self.choice("status", STATUSES),
            candidate_name=self.get_query_argument("candidate_name", None) or None,
            sort_by=self.choice("sort_by", ("CreationTime", "Status", "FinalObjectiveMetricValue")),
            sort_order=self.choice("sort_order", SORT_ORDER),
            max_results=self.int_argument("max_results", None, minimum=1, maximum=100),
            next_token=self.get_query_argument("next_token", None) or None,
        ))


class StopHandler(_Handler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call(self.core.automl.stop, name), status=202)


def routes() -> list[tuple[str, type]]:
    return [
        (r"/automl-jobs", AutoMLJobsHandler),
        (rf"/automl-jobs/{NAME}", AutoMLJobHandler),
        (rf"/automl-jobs/{NAME}/candidates", CandidatesHandler),
        (rf"/automl-jobs/{NAME}/stop", StopHandler),
    ]


_NAME = Param("name", "path", {"type": "string"}, "The AutoML job's name (or ARN).")
_PAGE = (
    Param("sort_order", schema={"type": "string", "enum": list(SORT_ORDER)}),
    Param("next_token", description="NextToken of the previous page"),
)

OPENAPI = [
    Operation("get", "/automl-jobs", "List AutoML jobs, newest first",
              {200: Reply("A page of AutoML jobs", ListAutoMLJobsResponse)}, errors=(400,),
              params=(Param("status", schema={"type": "string", "enum": list(STATUSES)}), Param("name_contains"),
                      Param("sort_by", schema={"type": "string", "enum": ["Name", "CreationTime", "Status"]}),
                      Param("max_results", schema={"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}), *_PAGE)),
    Operation("post", "/automl-jobs", "Create an AutoML job (the request and the data checked first); its runner works detached",
              {201: Reply("The job's ARN", CreateAutoMLJobResponse)}, errors=(400, 409), request=CreateAutoMLJobRequest),
    Operation("get", "/automl-jobs/{name}", "Describe an AutoML job: stage, best candidate, notebooks, feature importance",
              {200: Reply("The AutoML job", DescribeAutoMLJobResponse)}, errors=(404,), params=(_NAME,)),
    Operation("get", "/automl-jobs/{name}/candidates", "The job's candidates (the leaderboard)",
              {200: Reply("A page of candidates", ListCandidatesForAutoMLJobResponse)}, errors=(400, 404),
              params=(_NAME, Param("status", schema={"type": "string", "enum": list(STATUSES)}), Param("candidate_name"),
                      Param("sort_by", schema={"type": "string", "enum": ["CreationTime", "Status", "FinalObjectiveMetricValue"]}),
                      Param("max_results", schema={"type": "integer", "minimum": 1, "maximum": 100, "default": 100}), *_PAGE)),
    Operation("post", "/automl-jobs/{name}/stop", "Stop an AutoML job: its running candidates are stopped",
              {202: Reply("Nothing: the job is stopping", StopAutoMLJobResponse)}, errors=(404, 409), params=(_NAME,)),
]
