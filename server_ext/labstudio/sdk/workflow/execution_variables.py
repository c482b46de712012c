"""Execution variables: what an execution knows about itself (its id, its pipeline, its start)."""
from __future__ import annotations

from typing import Any

from .entities import PipelineVariable, RequestType


class ExecutionVariable(PipelineVariable):
    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExecutionVariable) and self.name == other.name

    def __hash__(self) -> int:
        return hash(self.name)

    def to_string(self) -> PipelineVariable:
        return self

    @property
    def expr(self) -> RequestType:
        return {"Get": f"Execution.{self.name}"}

    @property
    def _referenced_steps(self) -> list[Any]:
        return []


class ExecutionVariables:
    START_DATETIME = ExecutionVariable("StartDateTime")
    CURRENT_DATETIME = ExecutionVariable("CurrentDateTime")
    PIPELINE_NAME = ExecutionVariable("PipelineName")
    PIPELINE_ARN = ExecutionVariable("PipelineArn")
    PIPELINE_EXECUTION_ID = ExecutionVariable("PipelineExecutionId")
    PIPELINE_EXECUTION_ARN = ExecutionVariable("PipelineExecutionArn")
    TRAINING_JOB_NAME = ExecutionVariable("TrainingJobName")
    PROCESSING_JOB_NAME = ExecutionVariable("ProcessingJobName")


__all__ = ["ExecutionVariable", "ExecutionVariables"]
