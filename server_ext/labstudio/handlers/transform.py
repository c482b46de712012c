"""REST for batch transform jobs: /labstudio/api/transform-jobs[/{name}[/stop|/logs]].

Paths in a create request (input, output_path, a model folder or archive, source_dir) are
taken relative to the Jupyter root and may not leave it.
"""
from __future__ import annotations

from tornado import web

from ..shapes.openapi import Operation, Reply
from ..shapes.transform import CreateTransformJobRequest, DescribeTransformJobResponse, ListTransformJobsResponse
from .jobkind import LIST_PARAMS, NAME_PARAM, JobListHandler, kind_routes, logs_operation


class TransformJobsHandler(JobListHandler):
    SERVICE = "transforms"

    @web.authenticated
    async def post(self) -> None:
        # The service validates the body (its shape, then the paths): every problem at once.
        root = self.jupyter_root(resolve=True)
        described = await self.call(self.core.transforms.submit, self.json_body(), base_dir=root, root_dir=root)
        self.reply_created(described, "transform-jobs", "TransformJobName")


def routes() -> list[tuple[str, type]]:
    return kind_routes("transform-jobs", "TransformJob", TransformJobsHandler)


_NAME = NAME_PARAM

OPENAPI = [
    Operation(
        "get", "/transform-jobs", "List batch transform jobs, newest first",
        {200: Reply("A page of transform jobs", ListTransformJobsResponse)},
        errors=(400,),
        params=LIST_PARAMS,
    ),
    Operation(
        "post", "/transform-jobs", "Start a batch transform job: score a file or folder with a model",
        {201: Reply("The new transform job, described", DescribeTransformJobResponse)},
        errors=(400, 409),
        request=CreateTransformJobRequest,
    ),
    Operation(
        "get", "/transform-jobs/{name}", "Describe a transform job, with its records done so far",
        {200: Reply("The transform job", DescribeTransformJobResponse)},
        errors=(404,),
        params=(_NAME,),
    ),
    Operation(
        "post", "/transform-jobs/{name}/stop", "Stop a running transform job",
        {202: Reply("The transform job, now Stopping", DescribeTransformJobResponse)},
        errors=(404, 409),
        params=(_NAME,),
    ),
    logs_operation("transform-jobs"),
]
