"""REST for training jobs: /labstudio/api/jobs[/{name}[/stop|/logs|/metrics]]."""
from __future__ import annotations

import json
import os
from pathlib import Path

from tornado import web

from ..artifacts import open_uri
from ..errors import Gone
from ..jobs.service import MAX_METRICS_PAGE_POINTS, METRICS_PAGE_POINTS
from .base import LabstudioHandler
from .openapi import error_responses, json_response

NAME = r"(?P<name>[^/]+)"
MAX_OFFSET = 2**53 - 1  # the largest integer a JSON client (JavaScript) holds exactly; far beyond any log


class JobsHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        limit = self.int_argument("limit", 100, minimum=1, maximum=1000)
        result = await self.call(
            self.core.jobs.list,
            status=self.get_query_argument("status", None) or None,
            name_contains=self.get_query_argument("name_contains", None) or None,
            limit=limit,
            next_token=self.get_query_argument("next_token", None) or None,
        )
        self.reply(result)

    @web.authenticated
    async def post(self) -> None:
        body = self.json_body()
        root = Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))
        described = await self.call(self.core.jobs.submit, body, base_dir=root, root_dir=root)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/jobs/{described['TrainingJobName']}")
        self.reply(described, status=201)


class JobHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.jobs.describe, name))


class JobStopHandler(LabstudioHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call(self.core.jobs.stop, name), status=202)


class JobLogsHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        offset = self.int_argument("offset", 0, minimum=0, maximum=MAX_OFFSET)
        self.reply(await self.call(self.core.jobs.logs, name, offset))


class JobMetricsHandler(LabstudioHandler):
    """Pages of metric points. Both the query and the JSON encoding run in the executor:
    a page is up to MAX_METRICS_PAGE_POINTS points, too much to encode on the event loop."""

    @web.authenticated
    async def get(self, name: str) -> None:
        page = await self.call(
            self.core.jobs.metrics_page,
            name,
            metric=self.get_query_argument("metric", None) or None,
            limit=self.int_argument("limit", METRICS_PAGE_POINTS, minimum=1, maximum=MAX_METRICS_PAGE_POINTS),
            next_token=self.get_query_argument("next_token", None) or None,
        )
        encoded = await self.call(json.dumps, page, allow_nan=False, default=str)
        self.set_header("Content-Type", "application/json")
        self.finish(encoded)


class JobArtifactHandler(LabstudioHandler):
    """Streams a job's archive or log (local or any fsspec URL) as a download."""

    @web.authenticated
    async def get(self, name: str, kind: str) -> None:
        uri = await self.call(self.core.jobs.artifact, name, kind)
        try:
            handle = await self.call(open_uri, uri)
        except FileNotFoundError:  # deleted between the check and the open
            raise Gone(f"Training job {name!r}'s {kind} archive was deleted; train the job again to get a new one.", field="kind") from None
        filename = f"{name}-{uri.rstrip('/').rsplit('/', 1)[-1]}"
        self.set_header("Content-Type", "text/plain; charset=utf-8" if kind == "log" else "application/gzip")
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        try:
            while True:
                chunk = await self.call(handle.read, 1 << 20)
                if not chunk:
                    break
                self.write(chunk)
                await self.flush()
        finally:
            handle.close()
        self.finish()


def routes() -> list[tuple[str, type]]:
    return [
        (r"/jobs", JobsHandler),
        (rf"/jobs/{NAME}", JobHandler),
        (rf"/jobs/{NAME}/stop", JobStopHandler),
        (rf"/jobs/{NAME}/logs", JobLogsHandler),
        (rf"/jobs/{NAME}/metrics", JobMetricsHandler),
        (rf"/jobs/{NAME}/artifacts/(?P<kind>[^/]+)", JobArtifactHandler),
    ]


_NAME_PARAM = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"}}
_DESCRIBE = {"$ref": "#/components/schemas/TrainingJob"}

OPENAPI_SCHEMAS = {
    "TrainingJobRequest": {
        "type": "object",
        "required": ["entry_point"],
        "additionalProperties": False,
        "properties": {
            "entry_point": {"type": "string", "description": "Script to run, relative to source_dir (or to the Jupyter root when no source_dir)."},
            "source_dir": {"type": "string", "description": "Folder snapshotted as the job's code, relative to the Jupyter root."},
            "name": {"type": "string", "pattern": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"},
            "hyperparameters": {"type": "object", "additionalProperties": True},
            "channels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "name -> local path or file:// URI"},
            "environment": {"type": "object", "additionalProperties": {"type": "string"}},
            "metric_definitions": {
                "type": "array",
                "items": {"type": "object", "required": ["Name", "Regex"], "properties": {"Name": {"type": "string", "maxLength": 255}, "Regex": {"type": "string", "maxLength": 500}}},
            },
            "max_runtime_seconds": {"type": "integer", "minimum": 1},
            "experiment_name": {"type": "string"},
            "trial_name": {"type": "string", "description": "Trial (run group) of the experiment the job's run joins."},
            "tags": {"type": "object", "additionalProperties": {"type": "string"}},
            "backend": {"type": "string", "enum": ["local"]},
        },
    },
    "TrainingJobSummary": {
        "type": "object",
        "properties": {
            "TrainingJobName": {"type": "string"},
            "TrainingJobStatus": {"type": "string", "enum": ["InProgress", "Completed", "Failed", "Stopping", "Stopped"]},
            "SecondaryStatus": {"type": "string"},
            "StatusMessage": {"type": "string"},
            "CreationTime": {"type": "string", "format": "date-time"},
            "TrainingStartTime": {"type": "string", "format": "date-time", "nullable": True},
            "TrainingEndTime": {"type": "string", "format": "date-time", "nullable": True},
            "LastModifiedTime": {"type": "string", "format": "date-time"},
            "FailureReason": {"type": "string", "nullable": True},
            "ExperimentName": {"type": "string"},
            "RunId": {"type": "string", "nullable": True},
        },
    },
    "TrainingJob": {
        "type": "object",
        "description": "DescribeTrainingJob-shaped: the summary fields plus the ones below.",
        "properties": {
            "SecondaryStatusTransitions": {"type": "array", "items": {"type": "object"}},
            "HyperParameters": {"type": "object", "additionalProperties": {"type": "string"}},
            "InputDataConfig": {"type": "array", "items": {"type": "object"}},
            "ModelArtifacts": {
                "type": "object",
                "properties": {
                    "S3ModelArtifacts": {"type": "string", "nullable": True},
                    "Deleted": {"type": "boolean", "description": "Present (true) when the archive was deleted with the job's run"},
                },
            },
            "FinalMetricDataList": {"type": "array", "items": {"type": "object"}},
            "StoppingCondition": {"type": "object"},
            "Environment": {"type": "object"},
            "Tags": {"type": "array", "items": {"type": "object"}},
        },
    },
}

OPENAPI_PATHS = {
    "/jobs": {
        "get": {
            "summary": "List training jobs, newest first",
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
                {"name": "next_token", "in": "query", "schema": {"type": "string"}},
                {"name": "status", "in": "query", "schema": {"type": "string"}},
                {"name": "name_contains", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": json_response(
                    "A page of jobs",
                    {
                        "type": "object",
                        "properties": {
                            "TrainingJobSummaries": {"type": "array", "items": {"$ref": "#/components/schemas/TrainingJobSummary"}},
                            "NextToken": {"type": "string", "nullable": True},
                        },
                    },
                ),
                **error_responses(400),
            },
        },
        "post": {
            "summary": "Submit a training job",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrainingJobRequest"}}}},
            "responses": {"201": json_response("The new job, described", _DESCRIBE), **error_responses(400, 409)},
        },
    },
    "/jobs/{name}": {
        "get": {
            "summary": "Describe a training job",
            "parameters": [_NAME_PARAM],
            "responses": {"200": json_response("The job", _DESCRIBE), **error_responses(404)},
        }
    },
    "/jobs/{name}/stop": {
        "post": {
            "summary": "Stop a running job (SIGTERM to its process group, SIGKILL after the grace period)",
            "parameters": [_NAME_PARAM],
            "responses": {"202": json_response("The job, now Stopping", _DESCRIBE), **error_responses(404, 409)},
        }
    },
    "/jobs/{name}/logs": {
        "get": {
            "summary": "Log text from a byte offset; follow by passing next_offset back",
            "parameters": [_NAME_PARAM, {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}}],
            "responses": {
                "200": json_response(
                    "A chunk of the log",
                    {
                        "type": "object",
                        "properties": {"text": {"type": "string"}, "next_offset": {"type": "integer"}, "complete": {"type": "boolean"}},
                    },
                ),
                **error_responses(400, 404),
            },
        }
    },
    "/jobs/{name}/metrics": {
        "get": {
            "summary": "A job's captured metric points, a page at a time: follow NextToken until it is null",
            "parameters": [
                _NAME_PARAM,
                {"name": "metric", "in": "query", "schema": {"type": "string"}, "description": "Only this metric's points"},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_METRICS_PAGE_POINTS, "default": METRICS_PAGE_POINTS},
                    "description": "Points per page (across metrics)",
                },
                {"name": "next_token", "in": "query", "schema": {"type": "string"}, "description": "NextToken of the previous page"},
            ],
            "responses": {
                "200": json_response(
                    "Metric series, metric by metric in step order; a metric may continue on the next page",
                    {
                        "type": "object",
                        "properties": {
                            "TrainingJobName": {"type": "string"},
                            "metrics": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"name": {"type": "string"}, "points": {"type": "array", "items": {"type": "object"}}},
                                },
                            },
                            "NextToken": {"type": "string", "nullable": True},
                        },
                    },
                ),
                **error_responses(400, 404),
            },
        }
    },
    "/jobs/{name}/artifacts/{kind}": {
        "get": {
            "summary": "Download a job's model.tar.gz, output.tar.gz or log",
            "parameters": [_NAME_PARAM, {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": ["model", "output", "log"]}}],
            "responses": {
                "200": {
                    "description": "The file, as an attachment",
                    "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}, "text/plain": {"schema": {"type": "string"}}},
                },
                **error_responses(404, 410),
            },
        }
    },
}
