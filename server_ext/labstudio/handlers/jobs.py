"""REST for training jobs: /labstudio/api/jobs[/{name}[/stop|/logs|/metrics]]."""
from __future__ import annotations

import json

from tornado import web

from ..artifacts import open_uri
from ..errors import Gone
from ..jobs.service import MAX_METRICS_PAGE_POINTS, METRICS_PAGE_POINTS
from ..shapes.joblist import ListJobsQuery, ListJobsResponse
from ..shapes.jobs import CreateTrainingJobRequest, DescribeTrainingJobResponse, GetTrainingJobMetricsResponse
from ..shapes.openapi import Operation, Param, Reply, query_params
from .base import LabstudioHandler
from .jobkind import NAME, NAME_PARAM, JobListHandler, kind_routes, logs_operation


class JobsHandler(JobListHandler):
    SERVICE = "jobs"

    @web.authenticated
    async def get(self) -> None:
        """Training jobs (SageMaker's ListTrainingJobs) or, with `kind`, every kind asked for."""
        query = self.query(ListJobsQuery)
        page = {"status": query.status, "name_contains": query.name_contains, "limit": query.limit, "next_token": query.next_token}
        if query.kind is None:
            self.reply(await self.call(self.core.jobs.list, **page))
        else:
            self.reply(await self.call(self.core.jobs.list_kinds, query.kind, self.core.job_kinds, **page))

    @web.authenticated
    async def post(self) -> None:
        # The service validates the body (its shape, then the paths and regexes): every problem at once.
        root = self.jupyter_root()
        described = await self.call(self.core.jobs.submit, self.json_body(), base_dir=root, root_dir=root)
        self.reply_created(described, "jobs", "TrainingJobName")


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
        *kind_routes("jobs", "Job", JobsHandler),
        (rf"/jobs/{NAME}/metrics", JobMetricsHandler),
        (rf"/jobs/{NAME}/artifacts/(?P<kind>[^/]+)", JobArtifactHandler),
    ]


_NAME = NAME_PARAM
_DESCRIBED = DescribeTrainingJobResponse

OPENAPI = [
    Operation(
        "get", "/jobs", "List training jobs, or with `kind` jobs of every kind asked for, newest first",
        {200: Reply("A page of jobs: TrainingJobSummaries without `kind`, JobSummaries with it", ListJobsResponse)},
        errors=(400,),
        params=query_params(ListJobsQuery),
        description="Without `kind`, SageMaker's ListTrainingJobs. With `kind` (training, processing, transform; "
        "repeated or comma-separated), one list of those kinds in one order and one paging: each row is its "
        "kind's summary with `Kind`. Tuning trials are training jobs (their TuningJobName is set).",
    ),
    Operation(
        "post", "/jobs", "Submit a training job",
        {201: Reply("The new job, described", _DESCRIBED)},
        errors=(400, 409),
        request=CreateTrainingJobRequest,
    ),
    Operation("get", "/jobs/{name}", "Describe a training job", {200: Reply("The job", _DESCRIBED)}, errors=(404,), params=(_NAME,)),
    Operation(
        "post", "/jobs/{name}/stop", "Stop a running job (SIGTERM to its process group, SIGKILL after the grace period)",
        {202: Reply("The job, now Stopping", _DESCRIBED)},
        errors=(404, 409),
        params=(_NAME,),
    ),
    logs_operation("jobs"),
    Operation(
        "get", "/jobs/{name}/metrics", "A job's captured metric points, a page at a time: follow NextToken until it is null",
        {200: Reply("Metric series, metric by metric in step order; a metric may continue on the next page", GetTrainingJobMetricsResponse)},
        errors=(400, 404),
        params=(
            _NAME,
            Param("metric", description="Only this metric's points"),
            Param(
                "limit",
                schema={"type": "integer", "minimum": 1, "maximum": MAX_METRICS_PAGE_POINTS, "default": METRICS_PAGE_POINTS},
                description="Points per page (across metrics)",
            ),
            Param("next_token", description="NextToken of the previous page"),
        ),
    ),
    Operation(
        "get", "/jobs/{name}/artifacts/{kind}", "Download a job's model.tar.gz, output.tar.gz or log",
        {
            200: Reply(
                "The file, as an attachment",
                content={"application/gzip": {"schema": {"type": "string", "format": "binary"}}, "text/plain": {"schema": {"type": "string"}}},
            )
        },
        errors=(404, 410),
        params=(_NAME, Param("kind", "path", {"type": "string", "enum": ["model", "output", "log"]})),
    ),
]
