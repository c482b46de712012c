"""REST of training jobs beyond every kind's routes (handlers/jobkind.py):
/labstudio/api/jobs/{name}/metrics and /jobs/{name}/artifacts/{kind}."""
from __future__ import annotations

import json

from pydantic import Field
from tornado import web

from ..artifacts import open_uri
from ..errors import Gone
from ..jobs.engine import MAX_METRICS_PAGE_POINTS, METRICS_PAGE_POINTS
from ..shapes.common import Request, to_json
from ..shapes.jobs import GetTrainingJobMetricsResponse
from ..shapes.openapi import Operation, Param, Reply, query_params
from .base import LabstudioHandler
from .jobkind import NAME, NAME_PARAM


class MetricsQuery(Request):
    """The query of GET /jobs/{name}/metrics."""

    metric: str | None = Field(default=None, description="Only this metric's points")
    limit: int = Field(default=METRICS_PAGE_POINTS, ge=1, le=MAX_METRICS_PAGE_POINTS, description="Points per page (across metrics)")
    next_token: str | None = Field(default=None, description="NextToken of the previous page")


class JobMetricsHandler(LabstudioHandler):
    """Pages of metric points. Both the query and the JSON encoding run in the executor:
    a page is up to MAX_METRICS_PAGE_POINTS points, too much to encode on the event loop."""

    @web.authenticated
    async def get(self, name: str) -> None:
        query = self.query(MetricsQuery)
        page = await self.call(self.core.jobs.metrics_page, name, metric=query.metric, limit=query.limit, next_token=query.next_token)
        encoded = await self.call(lambda: json.dumps(to_json(page), allow_nan=False))
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
        (rf"/jobs/{NAME}/metrics", JobMetricsHandler),
        (rf"/jobs/{NAME}/artifacts/(?P<kind>[^/]+)", JobArtifactHandler),
    ]


OPENAPI = [
    Operation(
        "get", "/jobs/{name}/metrics", "A job's captured metric points, a page at a time: follow NextToken until it is null",
        {200: Reply("Metric series, metric by metric in step order; a metric may continue on the next page", GetTrainingJobMetricsResponse)},
        errors=(400, 404),
        params=(NAME_PARAM, *query_params(MetricsQuery)),
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
        params=(NAME_PARAM, Param("kind", "path", {"type": "string", "enum": ["model", "output", "log"]})),
    ),
]
