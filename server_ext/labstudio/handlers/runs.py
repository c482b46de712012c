"""REST for runs: search, detail, metric history, comparison and CSV export.

    GET    /runs?experiment=&filter=&order_by=&limit=&next_token=[&format=csv]
    GET    /runs/export.csv?experiment=&filter=&order_by=      (every matching run)
    POST   /runs/compare   {runs, metrics, max_points, method}
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
from .base import LabstudioHandler
from .openapi import error_responses, json_response

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
        text = await self.call(self.core.experiments.export_csv, **args)
        self.set_header("Content-Disposition", 'attachment; filename="runs.csv"')
        self.finish(text, set_content_type="text/csv; charset=utf-8")


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
        body = self.json_body()
        unknown = set(body) - {"runs", "metrics", "max_points", "method"}
        if unknown:
            raise Invalid(f"Unknown field(s) {', '.join(sorted(unknown))}; expected runs, metrics, max_points, method.", field=sorted(unknown)[0])
        await self.answer(
            self.core.experiments.compare,
            body.get("runs"),
            body.get("metrics"),
            body.get("max_points", 1000),
            body.get("method", "minmax"),
        )


class RunHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(self.core.experiments.get_run, run_id))

    @web.authenticated
    async def patch(self, run_id: str) -> None:
        body = self.json_body()
        unknown = set(body) - {"name", "tags"}
        if unknown:
            raise Invalid(f"Unknown field(s) {', '.join(sorted(unknown))}; expected name, tags.", field=sorted(unknown)[0])
        self.reply(await self.call(self.core.experiments.update_run, run_id, name=body.get("name"), tags=body.get("tags")))

    @web.authenticated
    async def delete(self, run_id: str) -> None:
        self.reply(await self.call(self.core.experiments.delete_run, run_id))


class RunMetricHandler(_Handler):
    @web.authenticated
    async def get(self, run_id: str, name: str) -> None:
        max_points = self.int_argument("max_points", None, minimum=2, maximum=100_000)
        method = self.get_query_argument("method", "minmax") or "minmax"
        await self.answer(self.core.experiments.metric_history, run_id, name, max_points=max_points, method=method)


def routes() -> list[tuple[str, type]]:
    return [
        (r"/runs", RunsHandler),
        (r"/runs/export\.csv", RunsExportHandler),
        (r"/runs/compare", RunsCompareHandler),
        (rf"/runs/{RUN_ID}", RunHandler),
        (rf"/runs/{RUN_ID}/metrics/(?P<name>.+)", RunMetricHandler),
    ]


_NUMBER = {"oneOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}]}
_SUMMARY = {
    "type": "object",
    "description": "Run listings carry last, min, max, count and last_step; a run's detail and compare add avg, std, last_timestamp.",
    "properties": {k: _NUMBER for k in ("last", "min", "max", "avg", "std")}
    | {"count": {"type": "integer"}, "last_step": {"type": "integer"}, "last_timestamp": {"type": "number"}},
}
OPENAPI_SCHEMAS = {
    "Run": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "experiment": {"type": "string"},
            "experiment_id": {"type": "string"},
            "trial": {"type": "string", "nullable": True},
            "status": {"type": "string", "enum": ["InProgress", "Completed", "Failed", "Stopped"]},
            "start_time": {"type": "number", "nullable": True, "description": "Epoch seconds"},
            "end_time": {"type": "number", "nullable": True},
            "duration": {"type": "number", "nullable": True, "description": "Seconds (so far, while in progress)"},
            "created_time": {"type": "number"},
            "last_modified_time": {"type": "number"},
            "source_type": {"type": "string", "nullable": True, "description": "TrainingJob or Run"},
            "source_name": {"type": "string", "nullable": True, "description": "The training job's name"},
            "tags": {"type": "object", "additionalProperties": {"type": "string"}},
            "params": {"type": "object", "additionalProperties": {"type": "string"}},
            "metrics": {"type": "object", "additionalProperties": _SUMMARY},
        },
    },
    "RunDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/Run"},
            {
                "type": "object",
                "properties": {
                    "metric_names": {"type": "array", "items": {"type": "string"}},
                    "artifacts": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "uri": {"type": "string"},
                                "is_output": {"type": "boolean"},
                                "media_type": {"type": "string", "nullable": True},
                                "created_time": {"type": "number"},
                            },
                        },
                    },
                    "job": {"type": "object", "nullable": True},
                },
            },
        ]
    },
    "RunPage": {
        "type": "object",
        "properties": {
            "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
            "next_token": {"type": "string", "nullable": True},
            "total": {"type": "integer", "description": "How many runs match in all"},
        },
    },
    "MetricSeries": {
        "type": "object",
        "properties": {
            "run_id": {"type": "string"},
            "name": {"type": "string"},
            "count": {"type": "integer", "description": "Points stored"},
            "downsampled": {"type": "boolean"},
            "steps": {"type": "array", "items": {"type": "integer"}},
            "values": {"type": "array", "items": _NUMBER},
            "timestamps": {"type": "array", "nullable": True, "items": {"type": "number"}},
        },
    },
    "CompareRequest": {
        "type": "object",
        "required": ["runs"],
        "additionalProperties": False,
        "properties": {
            "runs": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 500},
            "metrics": {"type": "array", "items": {"type": "string"}, "description": "Default: every metric of those runs"},
            "max_points": {"type": "integer", "minimum": 2, "maximum": 100000, "default": 1000},
            "method": {"type": "string", "enum": ["minmax", "lttb"], "default": "minmax"},
        },
    },
    "CompareResult": {
        "type": "object",
        "properties": {
            "max_points": {"type": "integer"},
            "method": {"type": "string"},
            "metrics": {"type": "array", "items": {"type": "string"}},
            "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
            "series": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "run_id": {"type": "string"},
                        "run_name": {"type": "string"},
                        "metric": {"type": "string"},
                        "count": {"type": "integer"},
                        "downsampled": {"type": "boolean"},
                        "steps": {"type": "array", "items": {"type": "integer"}},
                        "values": {"type": "array", "items": _NUMBER},
                    },
                },
            },
        },
    },
}

_SEARCH_PARAMS = [
    {"name": "experiment", "in": "query", "schema": {"type": "string"}, "description": "Experiment name or id (repeatable)"},
    {"name": "filter", "in": "query", "schema": {"type": "string"},
     "description": "e.g. metrics.accuracy > 0.9 and (params.optimizer = 'adam' or params.lr < 0.01)"},
    {"name": "order_by", "in": "query", "schema": {"type": "string"}, "description": "e.g. metrics.loss asc, start_time desc"},
]
_RUN_PARAM = {"name": "run_id", "in": "path", "required": True, "schema": {"type": "string"}}
_CSV = {"description": "CSV, one row per run", "content": {"text/csv": {"schema": {"type": "string"}}}}

OPENAPI_PATHS = {
    "/runs": {
        "get": {
            "summary": "Search runs",
            "parameters": _SEARCH_PARAMS
            + [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
                {"name": "next_token", "in": "query", "schema": {"type": "string"}},
                {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}},
            ],
            "responses": {"200": json_response("A page of runs", {"$ref": "#/components/schemas/RunPage"}) | {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RunPage"}}, "text/csv": {"schema": {"type": "string"}}}},
                **error_responses(400, 404)},
        }
    },
    "/runs/export.csv": {
        "get": {"summary": "Every matching run as CSV", "parameters": _SEARCH_PARAMS, "responses": {"200": _CSV, **error_responses(400, 404)}}
    },
    "/runs/compare": {
        "post": {
            "summary": "Series of several runs, downsampled so the shape survives (min/max per bucket or LTTB)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompareRequest"}}}},
            "responses": {"200": json_response("Per-run series, each at most max_points", {"$ref": "#/components/schemas/CompareResult"}),
                          **error_responses(400, 404)},
        }
    },
    "/runs/{run_id}": {
        "parameters": [_RUN_PARAM],
        "get": {"summary": "A run with its params, metric summaries, artifacts and job", "responses": {
            "200": json_response("The run", {"$ref": "#/components/schemas/RunDetail"}), **error_responses(404)}},
        "patch": {
            "summary": "Rename or tag a run (a null tag value removes it)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "name": {"type": "string"}, "tags": {"type": "object"}}}}}},
            "responses": {"200": json_response("The run", {"$ref": "#/components/schemas/RunDetail"}), **error_responses(400, 404)},
        },
        "delete": {"summary": "Delete a run and its stored artifacts (409 while its training job runs)", "responses": {
            "200": json_response("What was deleted", {"$ref": "#/components/schemas/DeleteResult"}), **error_responses(404, 409)}},
    },
    "/runs/{run_id}/metrics/{name}": {
        "parameters": [_RUN_PARAM, {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}, "description": "May contain '/'"}],
        "get": {
            "summary": "A metric's history (all points, or downsampled with max_points)",
            "parameters": [
                {"name": "max_points", "in": "query", "schema": {"type": "integer", "minimum": 2, "maximum": 100000}},
                {"name": "method", "in": "query", "schema": {"type": "string", "enum": ["minmax", "lttb"], "default": "minmax"}},
            ],
            "responses": {"200": json_response("The series", {"$ref": "#/components/schemas/MetricSeries"}), **error_responses(400, 404)},
        },
    },
}
