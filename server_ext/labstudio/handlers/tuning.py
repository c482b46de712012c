"""REST for hyperparameter tuning jobs: /labstudio/api/tuning-jobs[/{name}[/training-jobs|/stop]].

The handlers only parse HTTP: the tuning service validates, records and runs the sweep.
Code paths in the request (the trial template's source_dir and entry point, channel paths)
are resolved against the Jupyter root and refused outside it, as for training jobs.
"""
from __future__ import annotations

import os
from pathlib import Path

from tornado import web

from ..shapes import NAME_PATTERN
from ..shapes.openapi import Operation, Param, Reply, query_params
from ..shapes.tuning import (
    CreateTuningJobRequest,
    DescribeTuningJobResponse,
    ListTuningJobsQuery,
    ListTuningJobsResponse,
    ListTuningTrainingJobsResponse,
    ListTuningTrialsQuery,
)
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"


class TuningJobsHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        query = self.query(ListTuningJobsQuery)
        result = await self.call(
            self.core.tuning.list, status=query.status, name_contains=query.name_contains, max_results=query.max_results, next_token=query.next_token
        )
        self.reply(result)

    @web.authenticated
    async def post(self) -> None:
        # The service validates the body (its shape, the template, the ranges): every problem at once.
        root = Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))
        described = await self.call(self.core.tuning.submit, self.json_body(), base_dir=root, root_dir=root)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/tuning-jobs/{described.HyperParameterTuningJobName}")
        self.reply(described, status=201)


class TuningJobHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.tuning.describe, name))


class TuningTrialsHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        query = self.query(ListTuningTrialsQuery)
        result = await self.call(
            self.core.tuning.training_jobs,
            name,
            status=query.status,
            sort_by=query.sort_by,
            sort_order=query.sort_order,
            max_results=query.max_results,
            next_token=query.next_token,
        )
        self.reply(result)


class TuningStopHandler(LabstudioHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call(self.core.tuning.stop, name), status=202)


def routes() -> list[tuple[str, type]]:
    return [
        (r"/tuning-jobs", TuningJobsHandler),
        (rf"/tuning-jobs/{NAME}", TuningJobHandler),
        (rf"/tuning-jobs/{NAME}/training-jobs", TuningTrialsHandler),
        (rf"/tuning-jobs/{NAME}/stop", TuningStopHandler),
    ]


_NAME = Param("name", "path", {"type": "string", "pattern": NAME_PATTERN})
_DESCRIBED = DescribeTuningJobResponse

OPENAPI = [
    Operation(
        "get", "/tuning-jobs", "List hyperparameter tuning jobs, newest first",
        {200: Reply("A page of tuning jobs", ListTuningJobsResponse)},
        errors=(400,),
        params=query_params(ListTuningJobsQuery),
    ),
    Operation(
        "post", "/tuning-jobs", "Start a hyperparameter tuning job (checked in full before any trial runs)",
        {201: Reply("The new tuning job, described", _DESCRIBED)},
        errors=(400, 409),
        request=CreateTuningJobRequest,
    ),
    Operation(
        "get", "/tuning-jobs/{name}", "Describe a tuning job: status, counters, best trial so far",
        {200: Reply("The tuning job", _DESCRIBED)}, errors=(404,), params=(_NAME,),
    ),
    Operation(
        "get", "/tuning-jobs/{name}/training-jobs", "A tuning job's trials with their tuned hyperparameters and objective",
        {200: Reply("A page of trials", ListTuningTrainingJobsResponse)},
        errors=(400, 404),
        params=(_NAME, *query_params(ListTuningTrialsQuery)),
    ),
    Operation(
        "post", "/tuning-jobs/{name}/stop", "Stop a tuning job: no new trials, every running trial stopped",
        {202: Reply("The tuning job, now Stopping", _DESCRIBED)},
        errors=(404, 409),
        params=(_NAME,),
    ),
]
