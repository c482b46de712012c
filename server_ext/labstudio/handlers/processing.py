"""REST for processing jobs: /labstudio/api/processing-jobs[/{name}[/stop|/logs]].

Paths in a request (code, source_dir, input sources, output destinations) are taken from
the Jupyter root and may not leave it, as for training jobs.
"""
from __future__ import annotations

from tornado import web

from ..shapes import parse
from ..shapes.openapi import Operation, Reply
from ..shapes.processing import CreateProcessingJobRequest, DescribeProcessingJobResponse, ListProcessingJobsResponse
from .jobkind import LIST_PARAMS, NAME_PARAM, JobListHandler, kind_routes, logs_operation


class ProcessingJobsHandler(JobListHandler):
    SERVICE = "processing"

    @web.authenticated
    async def post(self) -> None:
        body = parse(CreateProcessingJobRequest, self.json_body())
        root = self.jupyter_root()
        described = await self.call(self.core.processing.submit, body.model_dump(exclude_unset=True), base_dir=root, root_dir=root)
        self.reply_created(described, "processing-jobs", "ProcessingJobName")


def routes() -> list[tuple[str, type]]:
    return kind_routes("processing-jobs", "ProcessingJob", ProcessingJobsHandler)


_NAME = NAME_PARAM
_DESCRIBED = DescribeProcessingJobResponse

OPENAPI = [
    Operation(
        "get", "/processing-jobs", "List processing jobs, newest first",
        {200: Reply("A page of processing jobs", ListProcessingJobsResponse)},
        errors=(400,),
        params=LIST_PARAMS,
    ),
    Operation(
        "post", "/processing-jobs", "Submit a processing job (inputs copied in, the script run, outputs copied out)",
        {201: Reply("The new processing job, described", _DESCRIBED)},
        errors=(400, 409),
        request=CreateProcessingJobRequest,
    ),
    Operation(
        "get", "/processing-jobs/{name}", "Describe a processing job",
        {200: Reply("The processing job", _DESCRIBED)}, errors=(404,), params=(_NAME,),
    ),
    Operation(
        "post", "/processing-jobs/{name}/stop", "Stop a running processing job (SIGTERM, SIGKILL after the grace period)",
        {202: Reply("The processing job, now Stopping", _DESCRIBED)},
        errors=(404, 409),
        params=(_NAME,),
    ),
    logs_operation("processing-jobs"),
]
