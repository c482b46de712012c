"""REST for runs: search, detail, metric history, comparison and CSV export.

    GET    /runs?experiment=&filter=&order_by=&limit=&next_token=[&format=csv]
    GET    /runs/export.csv?experiment=&filter=&order_by=      (every matching run)
    POST   /runs/compare   {runs, experiments, exclude, metrics, max_points, method, limit, next_token}
    GET    /runs/{id}      PATCH {name, tags}      DELETE
    GET    /runs/{id}/metrics/{name}?max_points=&method=

Metric names may contain '/', so the metric route takes the rest of the path. Numbers that
JSON cannot carry (NaN, infinities) are sent as the strings "NaN", "Infinity", "-Infinity".
"""
from __future__ import annotations

import json
from typing import Any

from tornado import web

from ..errors import Invalid
from ..shapes import parse
from ..shapes.experiments import (
    CompareRunsRequest,
    CompareRunsResponse,
    DeleteResponse,
    MetricSeries,
    RunDetail,
    SearchRunsResponse,
    UpdateRunRequest,
)
from ..shapes.openapi import Operation, Param, Reply
from ..tracking.service import HISTORY_PAGE_POINTS, MAX_COMPARE_POINTS, MAX_HISTORY_PAGE_POINTS
from .base import LabstudioHandler

RUN_ID = r"(?P<run_id>[0-9a-fA-F]{1,64})"


class _Handler(LabstudioHandler):
    async def answer(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        """Run the service call and the JSON encoding in the thread pool: a thousand runs or a
        hundred series make a body of megabytes, and encoding it must not stall the event loop."""

        def work() -> str:
            return json.dumps(fn(*args, **kwargs), allow_nan=False, default=str, separators=(",", ":"))

        text = await self.call(work)
        self.set_header("Content-Type", "application/json")
        self.finish(text)


class _SearchMixin(_Handler):
    def search_args(self) -> dict[str, Any]:
        experiments = [e for e in self.get_query_arguments("experiment") if e]
        return {
            "experiment": experiments[0] if len(experiments) == 1 else (experiments or None),
            "filter": self.get_query_argument("filter", None) or None,
            "order_by": self.get_query_argument("order_by", None) or None,
        }

    async def send_csv(self, args: dict[str, Any]) -> None:
        """Every matching run as CSV: the search and the encoding (megabytes for a large
        store) run in the executor; the event loop only hands the bytes to the socket."""

        def work() -> bytes:
            return self.core.experiments.export_csv(**args).encode("utf-8")

        data = await self.call(work)
        self.set_header("Content-Disposition", 'attachment; filename="runs.csv"')
        self.finish(data, set_content_type="text/csv; charset=utf-8")


class RunsHandler(_SearchMixin):
    @web.authenticated
    async def get(self) -> None:
        args = self.search_args()
        fmt = (self.get_query_argument("format", "json") or "json").lower()
        if fmt not in ("json", "csv"):
            raise Invalid(f"Query parameter 'format' must be json or csv, got {fmt!r}.", field="format")
        if fmt == "csv":
            await self.send_csv(args)
            return
        limit = self.int_argument("limit", 100, minimum=1, maximum=10_000)
        await self.answer(
            self.core.experiments.search_runs, **args, limit=limit, next_token=self.get_query_argument("next_token", None) or None
        )


class RunsExportHandler(_SearchMixin):
    @web.authenticated
    async def get(self) -> None:
        await self.send_csv(self.search_args())


class RunsCompareHandler(_Handler):
    @web.authenticated
    async def post(self) -> None:
        body = parse(CompareRunsRequest, self.json_body())
        await self.answer(
            self.core.experiments.compare, body.runs, body.metrics, body.max_points, body.method,
            experiments=body.experiments, exclude=body.exclude, limit=body.limit, next_token=body.next_token,
        )


class RunHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(self.core.experiments.get_run, run_id))

    @web.authenticated
    async def patch(self, run_id: str) -> None:
        body = parse(UpdateRunRequest, self.json_body())
        self.reply(await self.call(self.core.experiments.update_run, run_id, name=body.name, tags=body.tags))

    @web.authenticated
    async def delete(self, run_id: str) -> None:
        self.reply(await self.call(self.core.experiments.delete_run, run_id))


class RunMetricHandler(_Handler):
    """A page of a metric's history (or the whole of it downsampled). The query and the JSON
    encoding run in the executor, and a page is small enough that neither holds the server."""

    @web.authenticated
    async def get(self, run_id: str, name: str) -> None:
        max_points = self.int_argument("max_points", None, minimum=2, maximum=MAX_COMPARE_POINTS)
        method = self.get_query_argument("method", "minmax") or "minmax"
        limit = self.int_argument("limit", HISTORY_PAGE_POINTS, minimum=1, maximum=MAX_HISTORY_PAGE_POINTS)
        await self.answer(
            self.core.experiments.metric_history, run_id, name, max_points=max_points, method=method, limit=limit,
            next_token=self.get_query_argument("next_token", None) or None,
        )


def routes() -> list[tuple[str, type]]:
    return [
        (r"/runs", RunsHandler),
        (r"/runs/export\.csv", RunsExportHandler),
        (r"/runs/compare", RunsCompareHandler),
        (rf"/runs/{RUN_ID}", RunHandler),
        (rf"/runs/{RUN_ID}/metrics/(?P<name>.+)", RunMetricHandler),
    ]


_SEARCH = (
    Param("experiment", schema={"type": "array", "items": {"type": "string"}}, description="Experiment name or id (repeatable)"),
    Param("filter", description="e.g. metrics.accuracy > 0.9 and (params.optimizer = 'adam' or params.lr < 0.01)"),
    Param("order_by", description="e.g. metrics.loss asc, start_time desc"),
)
_RUN = Param("run_id", "path")
_CSV = {"text/csv": {"schema": {"type": "string"}}}

OPENAPI = [
    Operation(
        "get", "/runs", "Search runs",
        {200: Reply("A page of runs (or CSV with format=csv)", SearchRunsResponse, content=_CSV)},
        errors=(400, 404),
        params=(
            *_SEARCH,
            Param("limit", schema={"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}),
            Param("next_token"),
            Param("format", schema={"type": "string", "enum": ["json", "csv"], "default": "json"}),
        ),
    ),
    Operation(
        "get", "/runs/export.csv", "Every matching run as CSV", {200: Reply("CSV, one row per run", content=_CSV)}, errors=(400, 404), params=_SEARCH
    ),
    Operation(
        "post", "/runs/compare",
        "Series of several runs, downsampled so the shape survives (min/max per bucket or LTTB); any number of runs, "
        "a page of at most `limit` runs per answer (follow next_token)",
        {200: Reply("Per-run series, each at most max_points, and the next page's token", CompareRunsResponse)},
        errors=(400, 404),
        request=CompareRunsRequest,
    ),
    Operation(
        "get", "/runs/{run_id}", "A run with its params, metric summaries, artifacts and job", {200: Reply("The run", RunDetail)},
        errors=(404,), params=(_RUN,),
    ),
    Operation(
        "patch", "/runs/{run_id}", "Rename or tag a run (a null tag value removes it)", {200: Reply("The run", RunDetail)},
        errors=(400, 404), params=(_RUN,), request=UpdateRunRequest,
    ),
    Operation(
        "delete", "/runs/{run_id}", "Delete a run and its stored artifacts (409 while its training job runs)",
        {200: Reply("What was deleted", DeleteResponse)},
        errors=(404, 409), params=(_RUN,),
    ),
    Operation(
        "get", "/runs/{run_id}/metrics/{name}",
        "A metric's history, a page of points at a time in step order (follow next_token until it is null), or the whole "
        "series downsampled with max_points",
        {200: Reply("The series, or a page of it", MetricSeries)},
        errors=(400, 404),
        params=(
            _RUN,
            Param("name", "path", description="May contain '/'"),
            Param("max_points", schema={"type": "integer", "minimum": 2, "maximum": MAX_COMPARE_POINTS}),
            Param("method", schema={"type": "string", "enum": ["minmax", "lttb"], "default": "minmax"}),
            Param(
                "limit", schema={"type": "integer", "minimum": 1, "maximum": MAX_HISTORY_PAGE_POINTS, "default": HISTORY_PAGE_POINTS},
                description="Points per page (without max_points)",
            ),
            Param("next_token", description="next_token of the previous page"),
        ),
    ),
]
