"""SageMaker Pipelines: requests and answers in SageMaker's shapes (CreatePipeline,
DescribePipeline, ListPipelines, StartPipelineExecution, DescribePipelineExecution,
ListPipelineExecutions, ListPipelineExecutionSteps), plus what labstudio adds for the panel
(each pipeline's last execution, its parameters, the DAG, a condition's evaluated values)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .common import Int, Request, Response

ExecutionStatus = Literal["Executing", "Stopping", "Stopped", "Failed", "Succeeded"]
StepStatus = Literal["Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded"]
PipelineName = str


class ParallelismConfigurationRequest(Request):
    MaxParallelExecutionSteps: Int = Field(ge=1, le=1000, description="How many steps of an execution run at once.")


class PipelineTag(Request):
    Key: str = Field(min_length=1, max_length=128)
    Value: str = Field(max_length=256)


class CreatePipelineRequest(Request):
    """POST /pipelines: SageMaker's CreatePipeline (the definition as its JSON text, or as an object)."""

    PipelineName: str = Field(min_length=1, max_length=256, description="1 to 256 letters, digits and hyphens.")
    PipelineDefinition: str | dict[str, Any] = Field(description="SageMaker's pipeline definition JSON (pipeline.definition()).")
    PipelineDisplayName: str | None = Field(default=None, max_length=256)
    PipelineDescription: str | None = Field(default=None, max_length=3072)
    RoleArn: str | None = Field(default=None, max_length=2048, description="Accepted and shown back; local steps need no role.")
    ParallelismConfiguration: ParallelismConfigurationRequest | None = None
    Tags: list[PipelineTag] | None = Field(default=None, max_length=50)


class UpdatePipelineRequest(Request):
    """PUT /pipelines/{name}: SageMaker's UpdatePipeline (running executions keep their definition)."""

    PipelineDefinition: str | dict[str, Any] | None = None
    PipelineDisplayName: str | None = Field(default=None, max_length=256)
    PipelineDescription: str | None = Field(default=None, max_length=3072)
    RoleArn: str | None = Field(default=None, max_length=2048)
    ParallelismConfiguration: ParallelismConfigurationRequest | None = None


class PipelineArnResponse(Response):
    PipelineArn: str


class PipelineParameterValue(Request):
    Name: str = Field(min_length=1, max_length=256)
    Value: str = Field(max_length=1024)


class StartPipelineExecutionRequest(Request):
    """POST /pipelines/{name}/executions: SageMaker's StartPipelineExecution."""

    PipelineParameters: list[PipelineParameterValue] | None = Field(default=None, max_length=200,
                                                                    description="Values for the pipeline's parameters, as strings.")
    PipelineExecutionDisplayName: str | None = Field(default=None, max_length=82)
    PipelineExecutionDescription: str | None = Field(default=None, max_length=3072)
    ParallelismConfiguration: ParallelismConfigurationRequest | None = None


class LastExecutionShape(Response):
    PipelineExecutionArn: str
    PipelineExecutionId: str
    PipelineExecutionStatus: ExecutionStatus
    StartTime: str
    EndTime: str | None


class PipelineSummary(Response):
    PipelineArn: str
    PipelineName: str
    PipelineDisplayName: str
    PipelineDescription: str | None
    RoleArn: str | None
    CreationTime: str
    LastModifiedTime: str
    LastExecutionTime: str | None
    LastExecution: LastExecutionShape | None = Field(description="labstudio: the newest execution and its status.")


class ListPipelinesResponse(Response):
    PipelineSummaries: list[PipelineSummary]
    NextToken: str | None


class ParameterShape(Response):
    Name: str
    Type: Literal["String", "Integer", "Float", "Boolean"]
    DefaultValue: str | int | float | bool | None
    EnumValues: list[str] | None


class GraphNode(Response):
    Name: str
    Type: str = Field(description="Training, Processing, Transform, Tuning, Model, RegisterModel, Condition or Fail.")
    DisplayName: str | None
    Description: str | None
    Parent: str | None = Field(description="The condition step whose branch holds this step.")
    Branch: Literal["IfSteps", "ElseSteps"] | None
    CacheEnabled: bool


class GraphEdge(Response):
    Source: str
    Target: str
    Kind: Literal["Dependency", "IfSteps", "ElseSteps"]


class PipelineGraph(Response):
    """labstudio: the DAG the panel lays out."""

    Nodes: list[GraphNode]
    Edges: list[GraphEdge]


class ParallelismShape(Response):
    MaxParallelExecutionSteps: int


class DescribePipelineResponse(PipelineSummary):
    PipelineDefinition: str
    PipelineStatus: Literal["Active"]
    LastRunTime: str | None
    ParallelismConfiguration: ParallelismShape | None
    Parameters: list[ParameterShape] = Field(description="labstudio: the parameters, for a start form.")
    Graph: PipelineGraph


class ParameterValue(Response):
    Name: str
    Value: str


class ExperimentConfigShape(Response):
    ExperimentName: str | None
    TrialName: str | None


class PipelineExecutionSummary(Response):
    PipelineExecutionArn: str
    PipelineExecutionId: str
    PipelineName: str
    StartTime: str
    EndTime: str | None
    ElapsedSeconds: float | None
    PipelineExecutionStatus: ExecutionStatus
    PipelineExecutionDescription: str | None
    PipelineExecutionDisplayName: str
    PipelineExecutionFailureReason: str | None
    PipelineParameters: list[ParameterValue]


class ListPipelineExecutionsResponse(Response):
    PipelineExecutionSummaries: list[PipelineExecutionSummary]
    NextToken: str | None


class DescribePipelineExecutionResponse(Response):
    PipelineArn: str
    PipelineExecutionArn: str
    PipelineExecutionDisplayName: str
    PipelineExecutionStatus: ExecutionStatus
    PipelineExecutionDescription: str | None
    PipelineExperimentConfig: ExperimentConfigShape | None
    FailureReason: str | None = Field(description="Why it failed; a FailStep's rendered error message when one ended it.")
    CreationTime: str
    LastModifiedTime: str
    ParallelismConfiguration: ParallelismShape | None
    PipelineName: str
    PipelineExecutionId: str
    EndTime: str | None
    PipelineParameters: list[ParameterValue]
    Graph: PipelineGraph | None = Field(default=None, description="labstudio: the DAG of the definition this execution runs.")


class CacheHitResultShape(Response):
    SourcePipelineExecutionArn: str


class JobMetadata(Response):
    Arn: str


class ConditionMetadata(Response):
    Outcome: Literal["True", "False"]


class FailMetadata(Response):
    ErrorMessage: str


class StepMetadata(Response):
    TrainingJob: JobMetadata | None = None
    ProcessingJob: JobMetadata | None = None
    TransformJob: JobMetadata | None = None
    TuningJob: JobMetadata | None = None
    Model: JobMetadata | None = None
    RegisterModel: JobMetadata | None = None
    Condition: ConditionMetadata | None = None
    Fail: FailMetadata | None = None


class EvaluatedCondition(Response):
    Field: str
    Type: str
    LeftValue: Any = None
    RightValue: Any = None
    QueryValue: Any = None
    Values: list[Any] | None = None
    Outcome: bool


class PipelineExecutionStep(Response):
    StepName: str
    StepDisplayName: str | None = None
    StepDescription: str | None = None
    StepType: str
    StartTime: str
    EndTime: str | None
    StepStatus: StepStatus
    FailureReason: str | None
    Metadata: StepMetadata
    AttemptCount: int
    CacheHitResult: CacheHitResultShape | None = None
    JobKind: Literal["training", "processing", "transform", "tuning"] | None = Field(default=None, description="labstudio: the step's job's kind.")
    JobName: str | None = Field(default=None, description="labstudio: the step's job (its latest attempt).")
    EvaluatedConditions: list[EvaluatedCondition] | None = Field(default=None, description="labstudio: what a condition step compared.")


class ListPipelineExecutionStepsResponse(Response):
    PipelineExecutionSteps: list[PipelineExecutionStep]
    NextToken: str | None


class PipelineExecutionArnResponse(Response):
    PipelineExecutionArn: str
