"""SageMaker's answers about pipelines, executions and steps, from the store's rows
(DescribePipeline, ListPipelines, DescribePipelineExecution, ListPipelineExecutions,
ListPipelineExecutionSteps), plus what labstudio adds (the graph, parameters, durations)."""
from __future__ import annotations

import json
from typing import Any

from .. import arns
from ..store.pipelines import Execution, Pipeline, StepRow
from ..store.util import iso
from .definition import Definition, parse


def graph(definition: Definition) -> dict[str, Any]:
    """The DAG the panel draws: every step (those of condition branches included) and the edges
    between them (a condition's branches marked IfSteps/ElseSteps)."""
    nodes = [
        {"Name": s.name, "Type": s.type, "DisplayName": s.display_name, "Description": s.description, "Parent": s.parent, "Branch": s.branch,
         "CacheEnabled": s.cache_enabled}
        for s in sorted(definition.steps.values(), key=lambda s: s.order)
    ]
    edges = []
    for step in sorted(definition.steps.values(), key=lambda s: s.order):
        for dep in sorted(step.deps):
            kind = step.branch if dep == step.parent and step.branch else "Dependency"
            edges.append({"Source": dep, "Target": step.name, "Kind": kind})
    return {"Nodes": nodes, "Edges": edges}


def parameters(definition: Definition) -> list[dict[str, Any]]:
    return [
        {"Name": p.name, "Type": p.type, "DefaultValue": p.default, "EnumValues": list(p.enum_values) if p.enum_values else None}
        for p in definition.parameters.values()
    ]


def _parallelism(value: int | None) -> dict[str, int] | None:
    return {"MaxParallelExecutionSteps": value} if value else None


def pipeline_summary(pipeline: Pipeline, last: Execution | None) -> dict[str, Any]:
    return {
        "PipelineArn": arns.pipeline_arn(pipeline.name),
        "PipelineName": pipeline.name,
        "PipelineDisplayName": pipeline.display_name or pipeline.name,
        "PipelineDescription": pipeline.description,
        "RoleArn": pipeline.role_arn,
        "CreationTime": iso(pipeline.creation_time),
        "LastModifiedTime": iso(pipeline.last_modified_time),
        "LastExecutionTime": iso(pipeline.last_execution_time),
        "LastExecution": (
            {
                "PipelineExecutionArn": arns.pipeline_execution_arn(pipeline.name, last.id),
                "PipelineExecutionId": last.id,
                "PipelineExecutionStatus": last.status,
                "StartTime": iso(last.creation_time),
                "EndTime": iso(last.end_time),
            }
            if last is not None
            else None
        ),
    }


def describe_pipeline(pipeline: Pipeline, last: Execution | None) -> dict[str, Any]:
    definition = parse(pipeline.definition)
    return {
        **pipeline_summary(pipeline, last),
        "PipelineDefinition": pipeline.definition,
        "PipelineStatus": "Active",
        "LastRunTime": iso(pipeline.last_execution_time),
        "ParallelismConfiguration": _parallelism(pipeline.parallelism),
        "Parameters": parameters(definition),
        "Graph": graph(definition),
    }


def _parameter_list(values: dict[str, Any]) -> list[dict[str, str]]:
    """SageMaker's [{Name, Value}] with every value a string (true/false for booleans)."""
    out = []
    for name, value in values.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out.append({"Name": name, "Value": text})
    return out


def execution_summary(execution: Execution) -> dict[str, Any]:
    end = execution.end_time
    return {
        "PipelineExecutionArn": arns.pipeline_execution_arn(execution.pipeline_name, execution.id),
        "PipelineExecutionId": execution.id,
        "PipelineName": execution.pipeline_name,
        "StartTime": iso(execution.creation_time),
        "EndTime": iso(end),
        "ElapsedSeconds": round(end - execution.creation_time, 3) if end is not None else None,
        "PipelineExecutionStatus": execution.status,
        "PipelineExecutionDescription": execution.description,
        "PipelineExecutionDisplayName": execution.display_name or execution.id,
        "PipelineExecutionFailureReason": execution.failure_reason,
        "PipelineParameters": _parameter_list(execution.parameters),
    }


def describe_execution(execution: Execution, *, with_graph: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "PipelineArn": arns.pipeline_arn(execution.pipeline_name),
        "PipelineExecutionArn": arns.pipeline_execution_arn(execution.pipeline_name, execution.id),
        "PipelineExecutionDisplayName": execution.display_name or execution.id,
        "PipelineExecutionStatus": execution.status,
        "PipelineExecutionDescription": execution.description,
        "PipelineExperimentConfig": (
            {"ExperimentName": execution.experiment_name, "TrialName": execution.trial_name} if execution.experiment_name else None
        ),
        "FailureReason": execution.failure_reason,
        "CreationTime": iso(execution.creation_time),
        "LastModifiedTime": iso(execution.last_modified_time),
        "ParallelismConfiguration": _parallelism(execution.parallelism),
        "PipelineName": execution.pipeline_name,
        "PipelineExecutionId": execution.id,
        "EndTime": iso(execution.end_time),
        "PipelineParameters": _parameter_list(execution.parameters),
    }
    if with_graph:
        out["Graph"] = graph(parse(execution.definition))
    return out


def step(row: StepRow, definition: Definition | None) -> dict[str, Any]:
    """One ListPipelineExecutionSteps entry (plus StepType, the job and a condition's evaluated values)."""
    spec = definition.steps.get(row.name) if definition is not None else None
    out: dict[str, Any] = {
        "StepName": row.name,
        "StepDisplayName": (spec.display_name if spec else None) or None,
        "StepDescription": spec.description if spec else None,
        "StepType": row.type,
        "StartTime": iso(row.start_time),
        "EndTime": iso(row.end_time),
        "StepStatus": row.status,
        "FailureReason": row.failure_reason,
        "Metadata": row.metadata or {},
        "AttemptCount": row.attempt,
        "JobKind": row.job_kind,
        "JobName": row.job_name,
    }
    if row.cache_source:
        out["CacheHitResult"] = {"SourcePipelineExecutionArn": row.cache_source}
    if row.type == "Condition" and "EvaluatedConditions" in row.properties:
        out["EvaluatedConditions"] = row.properties["EvaluatedConditions"]
    return {k: v for k, v in out.items() if v is not None or k in ("EndTime", "FailureReason")}


def definition_text(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw)
