"""REST for hyperparameter tuning jobs: /labstudio/api/tuning-jobs[/{name}[/training-jobs|/stop]].

The handlers only parse HTTP: the tuning service validates, records and runs the sweep.
Code paths in the request (the trial template's source_dir and entry point, channel paths)
are resolved against the Jupyter root and refused outside it, as for training jobs.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import get_args

from tornado import web

from ..errors import Invalid
from ..shapes import NAME_PATTERN
from ..shapes.openapi import Operation, Param, Reply
from ..shapes.tuning import (
    CreateTuningJobRequest,
    DescribeTuningJobResponse,
    ListTuningJobsResponse,
    ListTuningTrainingJobsResponse,
    TuningJobStatus,
)
from ..tuning.service import MAX_RESULTS
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"
STATUSES: tuple[str, ...] = get_args(TuningJobStatus)
TRIAL_STATUSES = STATUSES
SORT_BY = ("Name", "CreationTime", "Status", "FinalObjectiveMetricValue")
SORT_ORDER = ("Ascending", "Descending")


class _TuningHandler(LabstudioHandler):
    def choice_argument(self, name: str, choices: tuple[str, ...], default: str | None) -> str | None:
        """A query argument that must be one of a few words; a typo gets a 400 naming them."""
        raw = self.get_query_argument(name, None) or None
        if raw is None:
            return default
        if raw not in choices:
            raise Invalid(f"Query parameter '{name}' must be one of {', '.join(choices)}, got {raw!r}.", field=name)
        return raw


class TuningJobsHandler(_TuningHandler):
    @web.authenticated
    async def get(self) -> None:
        result = await self.call(
            self.core.tuning.list,
            status=self.choice_argument("status", STATUSES, None),
            name_contains=self.get_query_argument("name_contains", None) or None,
            max_results=self.int_argument("max_results", 100, minimum=1, maximum=MAX_RESULTS),
            next_token=self.get_query_argument("next_token", None) or None,
        )
        self.reply(result)

    @web.authenticated
    async def post(self) -> None:
        # The service validates the body (its shape, the template, the ranges): every problem at once.
        root = Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))
        described = await self.call(self.core.tuning.submit, self.json_body(), base_dir=root, root_dir=root)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/tuning-jobs/{described['HyperParameterTuningJobName']}")
        self.reply(described, status=201)


class TuningJobHandler(_TuningHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.tuning.describe, name))


class TuningTrialsHandler(_TuningHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        result = await self.call(
            self.core.tuning.training_jobs,
            name,
            status=self.choice_argument("status", TRIAL_STATUSES, None),
            sort_by=self.choice_argument("sort_by", SORT_BY, "CreationTime"),
            sort_order=self.choice_argument("sort_order", SORT_ORDER, "Descending"),
            max_results=self.int_argument("max_results", 100, minimum=1, maximum=MAX_RESULTS),
            next_token=self.get_query_argument("next_token", None) or None,
        )
        self.reply(result)


class TuningStopHandler(_TuningHandler):
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
_MAX_RESULTS = Param("max_results", schema={"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": 100})

OPENAPI = [
    Operation(
        "get", "/tuning-jobs", "List hyperparameter tuning jobs, newest first",
        {200: Reply("A page of tuning jobs", ListTuningJobsResponse)},
        errors=(400,),
        params=(
            Param("status", schema={"type": "string", "enum": list(STATUSES)}),
            Param("name_contains"),
            _MAX_RESULTS,
            Param("next_token", description="NextToken of the previous page"),
        ),
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
        params=(
            _NAME,
            Param("status", schema={"type": "string", "enum": list(TRIAL_STATUSES)}),
            Param("sort_by", schema={"type": "string", "enum": list(SORT_BY), "default": "CreationTime"}),
            Param("sort_order", schema={"type": "string", "enum": list(SORT_ORDER), "default": "Descending"}),
            _MAX_RESULTS,
            Param("next_token", description="NextToken of the previous page"),
        ),
    ),
    Operation(
        "post", "/tuning-jobs/{name}/stop", "Stop a tuning job: no new trials, every running trial stopped",
        {202: Reply("The tuning job, now Stopping", _DESCRIBED)},
        errors=(404, 409),
        params=(_NAME,),
    ),
]
