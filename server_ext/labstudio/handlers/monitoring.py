"""REST for Model Monitor: /labstudio/api/monitoring-schedules[/{name}[/start|/stop|/executions]],
/labstudio/api/monitoring-executions and /labstudio/api/monitoring-baselines. The handlers only
parse HTTP: the monitoring service checks requests, records schedules and starts jobs."""
from __future__ import annotations

import os
from pathlib import Path

from tornado import web

from ..errors import Invalid
from ..shapes import parse
from ..shapes.monitoring import (
    CreateMonitoringScheduleRequest,
    DescribeMonitoringScheduleResponse,
    ListMonitoringExecutionsResponse,
    ListMonitoringSchedulesResponse,
    MonitoringExecutionReport,
    MonitoringScheduleArnResponse,
    SuggestBaselineRequest,
)
from ..shapes.openapi import Operation, Param, Reply
from ..shapes.processing import DescribeProcessingJobResponse
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"
SORT_ORDER = ("Ascending", "Descending")
STATUSES = ("Pending", "Failed", "Scheduled", "Stopped")


class _Handler(LabstudioHandler):
    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        raw = self.get_query_argument(name, None) or None
        if raw is not None and raw not in choices:
            raise Invalid(f"Query parameter '{name}' must be one of {', '.join(choices)}, got {raw!r}.", field=name)
        return raw

    def jupyter_root(self) -> Path:
        """Request paths are taken from the Jupyter root and may not leave it."""
        return Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))

    def page(self) -> dict[str, object]:
        return {
            "sort_order": self.choice("sort_order", SORT_ORDER),
            "max_results": self.int_argument("max_results", None, minimum=1, maximum=1000),
            "next_token": self.get_query_argument("next_token", None) or None,
        }


class SchedulesHandler(_Handler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(
            self.core.monitoring.list_schedules,
            endpoint_name=self.get_query_argument("endpoint_name", None) or None,
            name_contains=self.get_query_argument("name_contains", None) or None,
            status=self.choice("status", STATUSES),
            **self.page(),
        ))

    @web.authenticated
    async def post(self) -> None:
        body = parse(CreateMonitoringScheduleRequest, self.json_body())
        root = self.jupyter_root()
        result = await self.call(self.core.monitoring.create_schedule, body, base_dir=root, root_dir=root)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/monitoring-schedules/{body.MonitoringScheduleName}")
        self.reply(result, status=201)


class ScheduleHandler(_Handler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.monitoring.describe_schedule, name))

    @web.authenticated
    async def delete(self, name: str) -> None:
        self.reply(await self.call(self.core.monitoring.delete_schedule, name))


class StartHandler(_Handler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call(self.core.monitoring.start_schedule, name))


class StopHandler(_Handler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call(self.core.monitoring.stop_schedule, name))


class ScheduleExecutionsHandler(_Handler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.monitoring.list_executions, schedule_name=name, **self.page()))


class ExecutionsHandler(_Handler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(
            self.core.monitoring.list_executions,
            schedule_name=self.get_query_argument("schedule_name", None) or None,
            endpoint_name=self.get_query_argument("endpoint_name", None) or None,
            **self.page(),
        ))


class ExecutionHandler(_Handler):
    @web.authenticated
    async def get(self, job: str) -> None:
        self.reply(await self.call(self.core.monitoring.describe_execution, job))


class BaselinesHandler(_Handler):
    @web.authenticated
    async def post(self) -> None:
        body = parse(SuggestBaselineRequest, self.json_body())
        root = self.jupyter_root()
        described = await self.call(self.core.monitoring.suggest_baseline, body, base_dir=root, root_dir=root)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/processing-jobs/{described.ProcessingJobName}")
        self.reply(described, status=201)


def routes() -> list[tuple[str, type]]:
    return [
        (r"/monitoring-schedules", SchedulesHandler),
        (rf"/monitoring-schedules/{NAME}", ScheduleHandler),
        (rf"/monitoring-schedules/{NAME}/start", StartHandler),
        (rf"/monitoring-schedules/{NAME}/stop", StopHandler),
        (rf"/monitoring-schedules/{NAME}/executions", ScheduleExecutionsHandler),
        (r"/monitoring-executions", ExecutionsHandler),
        (r"/monitoring-executions/(?P<job>[^/]+)", ExecutionHandler),
        (r"/monitoring-baselines", BaselinesHandler),
    ]


_NAME = Param("name", "path", {"type": "string"}, "The monitoring schedule's name.")
_PAGE = (
    Param("sort_order", schema={"type": "string", "enum": list(SORT_ORDER)}),
    Param("max_results", schema={"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    Param("next_token", description="NextToken of the previous page"),
)

OPENAPI = [
    Operation("get", "/monitoring-schedules", "List monitoring schedules (newest first), with each one's next run time",
              {200: Reply("A page of schedules", ListMonitoringSchedulesResponse)}, errors=(400,),
              params=(Param("endpoint_name", description="Only this endpoint's schedules"), Param("name_contains", description="Only names containing it"),
                      Param("status", schema={"type": "string", "enum": list(STATUSES)}), *_PAGE)),
    Operation("post", "/monitoring-schedules", "Create a monitoring schedule (SageMaker's CreateMonitoringSchedule; checked in full first)",
              {201: Reply("The schedule's ARN", MonitoringScheduleArnResponse)}, errors=(400, 409), request=CreateMonitoringScheduleRequest),
    Operation("get", "/monitoring-schedules/{name}", "Describe a monitoring schedule, with its last execution",
              {200: Reply("The schedule", DescribeMonitoringScheduleResponse)}, errors=(404,), params=(_NAME,)),
    Operation("delete", "/monitoring-schedules/{name}", "Delete a monitoring schedule and its execution records (their jobs stay)",
              {200: Reply("The deleted schedule's ARN", MonitoringScheduleArnResponse)}, errors=(404, 409), params=(_NAME,)),
    Operation("post", "/monitoring-schedules/{name}/start", "Start a stopped schedule (its next run is the cron's next time)",
              {200: Reply("The schedule's ARN", MonitoringScheduleArnResponse)}, errors=(404,), params=(_NAME,)),
    Operation("post", "/monitoring-schedules/{name}/stop", "Stop a schedule: no further execution starts",
              {200: Reply("The schedule's ARN", MonitoringScheduleArnResponse)}, errors=(404,), params=(_NAME,)),
    Operation("get", "/monitoring-schedules/{name}/executions", "A schedule's executions, newest first",
              {200: Reply("A page of executions", ListMonitoringExecutionsResponse)}, errors=(400, 404), params=(_NAME, *_PAGE)),
    Operation("get", "/monitoring-executions", "Monitoring executions of every schedule, of one schedule or of one endpoint's schedules",
              {200: Reply("A page of executions", ListMonitoringExecutionsResponse)}, errors=(400, 404),
              params=(Param("schedule_name", description="Only this schedule's"), Param("endpoint_name", description="Only this endpoint's"), *_PAGE)),
    Operation("get", "/monitoring-executions/{job}", "One execution with its statistics, its violations and the baseline's statistics",
              {200: Reply("The execution and its reports", MonitoringExecutionReport)}, errors=(404,),
              params=(Param("job", "path", {"type": "string"}, "The execution's processing job name."),)),
    Operation("post", "/monitoring-baselines", "Start a baselining job over a dataset (statistics.json and constraints.json)",
              {201: Reply("The baselining processing job, described", DescribeProcessingJobResponse)}, errors=(400, 409), request=SuggestBaselineRequest),
]
