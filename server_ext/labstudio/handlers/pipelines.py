"""REST for SageMaker Pipelines: /labstudio/api/pipelines[/{name}[/executions]] and
/labstudio/api/pipeline-executions/{id}[/steps|/stop]. The handlers only parse HTTP: the
pipeline service checks definitions and parameters, records and runs executions."""
from __future__ import annotations

from tornado import web

from ..errors import Invalid
from ..shapes import parse
from ..shapes.openapi import Operation, Param, Reply
from ..shapes.pipelines import (
    CreatePipelineRequest,
    DescribePipelineExecutionResponse,
    DescribePipelineResponse,
    ListPipelineExecutionsResponse,
    ListPipelineExecutionStepsResponse,
    ListPipelinesResponse,
    PipelineArnResponse,
    PipelineExecutionArnResponse,
    StartPipelineExecutionRequest,
    UpdatePipelineRequest,
)
from .base import LabstudioHandler

NAME = r"(?P<name>[^/]+)"
EXECUTION = r"(?P<execution>[^/]+)"
SORT_ORDER = ("Ascending", "Descending")


class _Handler(LabstudioHandler):
    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        raw = self.get_query_argument(name, None) or None
        if raw is not None and raw not in choices:
            raise Invalid(f"Query parameter '{name}' must be one of {', '.join(choices)}, got {raw!r}.", field=name)
        return raw


class PipelinesHandler(_Handler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(
            self.core.pipelines.list,
            prefix=self.get_query_argument("prefix", None) or None,
            sort_by=self.choice("sort_by", ("Name", "CreationTime")),
            sort_order=self.choice("sort_order", SORT_ORDER),
            max_results=self.int_argument("max_results", None, minimum=1, maximum=1000),
            next_token=self.get_query_argument("next_token", None) or None,
        ))

    @web.authenticated
    async def post(self) -> None:
        body = parse(CreatePipelineRequest, self.json_body())
        result = await self.call(
            self.core.pipelines.create, body.PipelineName, body.PipelineDefinition, description=body.PipelineDescription,
            display_name=body.PipelineDisplayName, role_arn=body.RoleArn,
            parallelism=body.ParallelismConfiguration.model_dump() if body.ParallelismConfiguration else None,
            tags=[t.model_dump() for t in body.Tags or []],
        )
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/pipelines/{body.PipelineName}")
        self.reply(result, status=201)


class PipelineHandler(_Handler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(self.core.pipelines.describe, name))

    @web.authenticated
    async def put(self, name: str) -> None:
        body = parse(UpdatePipelineRequest, self.json_body())
        self.reply(await self.call(
            self.core.pipelines.update, name, definition=body.PipelineDefinition, description=body.PipelineDescription,
            display_name=body.PipelineDisplayName, role_arn=body.RoleArn,
            parallelism=body.ParallelismConfiguration.model_dump() if body.ParallelismConfiguration else None,
        ))

    @web.authenticated
    async def delete(self, name: str) -> None:
        self.reply(await self.call(self.core.pipelines.delete, name))


class ExecutionsHandler(_Handler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(
            self.core.pipelines.list_executions, name,
            sort_by=self.choice("sort_by", ("CreationTime", "PipelineExecutionArn")),
            sort_order=self.choice("sort_order", SORT_ORDER),
            max_results=self.int_argument("max_results", None, minimum=1, maximum=1000),
            next_token=self.get_query_argument("next_token", None) or None,
        ))

    @web.authenticated
    async def post(self, name: str) -> None:
        body = parse(StartPipelineExecutionRequest, self.json_body())
        described = await self.call(
            self.core.pipelines.start, name, [p.model_dump() for p in body.PipelineParameters] if body.PipelineParameters else None,
            display_name=body.PipelineExecutionDisplayName, description=body.PipelineExecutionDescription,
            parallelism=body.ParallelismConfiguration.model_dump() if body.ParallelismConfiguration else None,
        )
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/pipeline-executions/{described['PipelineExecutionId']}")
        self.reply(described, status=201)


class ExecutionHandler(_Handler):
    @web.authenticated
    async def get(self, execution: str) -> None:
        self.reply(await self.call(self.core.pipelines.describe_execution, execution))


class StepsHandler(_Handler):
    @web.authenticated
    async def get(self, execution: str) -> None:
        self.reply(await self.call(
            self.core.pipelines.list_steps, execution,
            sort_order=self.choice("sort_order", SORT_ORDER),
            max_results=self.int_argument("max_results", None, minimum=1, maximum=1000),
            next_token=self.get_query_argument("next_token", None) or None,
        ))


class StopHandler(_Handler):
    @web.authenticated
    async def post(self, execution: str) -> None:
        self.reply(await self.call(self.core.pipelines.stop, execution), status=202)


def routes() -> list[tuple[str, type]]:
    return [
        (r"/pipelines", PipelinesHandler),
        (rf"/pipelines/{NAME}", PipelineHandler),
        (rf"/pipelines/{NAME}/executions", ExecutionsHandler),
        (rf"/pipeline-executions/{EXECUTION}", ExecutionHandler),
        (rf"/pipeline-executions/{EXECUTION}/steps", StepsHandler),
        (rf"/pipeline-executions/{EXECUTION}/stop", StopHandler),
    ]


_NAME = Param("name", "path", {"type": "string"}, "The pipeline's name (or ARN).")
_EXECUTION = Param("execution", "path", {"type": "string"}, "The execution's id (or ARN).")
_PAGE = (
    Param("sort_order", schema={"type": "string", "enum": list(SORT_ORDER)}),
    Param("max_results", schema={"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    Param("next_token", description="NextToken of the previous page"),
)

OPENAPI = [
    Operation("get", "/pipelines", "List pipelines (newest first), each with its last execution's status",
              {200: Reply("A page of pipelines", ListPipelinesResponse)}, errors=(400,),
              params=(Param("prefix", description="Only names starting with it"),
                      Param("sort_by", schema={"type": "string", "enum": ["Name", "CreationTime"]}), *_PAGE)),
    Operation("post", "/pipelines", "Create a pipeline from SageMaker's definition JSON (checked in full first)",
              {201: Reply("The pipeline's ARN", PipelineArnResponse)}, errors=(400, 409), request=CreatePipelineRequest),
    Operation("get", "/pipelines/{name}", "Describe a pipeline: its definition, parameters and DAG",
              {200: Reply("The pipeline", DescribePipelineResponse)}, errors=(404,), params=(_NAME,)),
    Operation("put", "/pipelines/{name}", "Update a pipeline's definition or description (running executions keep theirs)",
              {200: Reply("The pipeline's ARN", PipelineArnResponse)}, errors=(400, 404), params=(_NAME,), request=UpdatePipelineRequest),
    Operation("delete", "/pipelines/{name}", "Delete a pipeline and its executions' records (their jobs stay)",
              {200: Reply("The deleted pipeline's ARN", PipelineArnResponse)}, errors=(404, 409), params=(_NAME,)),
    Operation("get", "/pipelines/{name}/executions", "A pipeline's executions, newest first",
              {200: Reply("A page of executions", ListPipelineExecutionsResponse)}, errors=(400, 404),
              params=(_NAME, Param("sort_by", schema={"type": "string", "enum": ["CreationTime", "PipelineExecutionArn"]}), *_PAGE)),
    Operation("post", "/pipelines/{name}/executions", "Start an execution (parameters checked first); it runs detached",
              {201: Reply("The execution, described", DescribePipelineExecutionResponse)}, errors=(400, 404), params=(_NAME,),
              request=StartPipelineExecutionRequest),
    Operation("get", "/pipeline-executions/{execution}", "Describe an execution: status, failure reason, parameters, DAG",
              {200: Reply("The execution", DescribePipelineExecutionResponse)}, errors=(404,), params=(_EXECUTION,)),
    Operation("get", "/pipeline-executions/{execution}/steps", "An execution's steps that started (newest first): status, job, cache hit",
              {200: Reply("A page of steps", ListPipelineExecutionStepsResponse)}, errors=(400, 404), params=(_EXECUTION, *_PAGE)),
    Operation("post", "/pipeline-executions/{execution}/stop", "Stop an execution: its running steps' jobs are stopped",
              {202: Reply("The execution's ARN", PipelineExecutionArnResponse)}, errors=(404, 409), params=(_EXECUTION,)),
]
