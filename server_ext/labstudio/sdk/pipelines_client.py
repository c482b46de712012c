"""SageMaker Pipelines' calls of ``session.sagemaker_client``, in boto3's shape, answered by the
local pipeline service (workflow/service.py); and the describe calls a pipeline driver makes
on its steps' jobs and models (describe_processing_job, describe_transform_job, describe_model)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..answer import to_json
from .boto_errors import operation

if TYPE_CHECKING:
    from ..core import Core

_PAGE = {"MaxResults": "int", "NextToken": "str", "SortBy": "str", "SortOrder": "str", "CreatedAfter": "time", "CreatedBefore": "time"}


def _name(value: str) -> str:
    """A job or model named by its ARN (what a step's Metadata holds) or by its name."""
    if isinstance(value, str) and value.startswith("arn:") and "/" in value:
        return value.rsplit("/", 1)[1]
    return value


class PipelineClientMethods:
    """Mixed into LocalSagemakerClient; `_core()` is the store the session points at."""

    def _core(self) -> Core:
        raise NotImplementedError

    @operation("CreatePipeline", {"PipelineName": "str", "PipelineDisplayName": "str", "PipelineDefinition": "str",
                                  "PipelineDefinitionS3Location": "dict", "PipelineDescription": "str", "ClientRequestToken": "str",
                                  "RoleArn": "str", "Tags": "list", "ParallelismConfiguration": "dict"},
               required=("PipelineName", "PipelineDefinition"))
    def create_pipeline(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.create(kw["PipelineName"], kw["PipelineDefinition"], description=kw.get("PipelineDescription"),
                                             display_name=kw.get("PipelineDisplayName"), role_arn=kw.get("RoleArn"),
                                             parallelism=kw.get("ParallelismConfiguration"), tags=kw.get("Tags"))

    @operation("UpdatePipeline", {"PipelineName": "str", "PipelineDisplayName": "str", "PipelineDefinition": "str",
                                  "PipelineDefinitionS3Location": "dict", "PipelineDescription": "str", "RoleArn": "str",
                                  "ParallelismConfiguration": "dict"}, required=("PipelineName",))
    def update_pipeline(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.update(kw["PipelineName"], definition=kw.get("PipelineDefinition"),
                                             description=kw.get("PipelineDescription"), display_name=kw.get("PipelineDisplayName"),
                                             role_arn=kw.get("RoleArn"), parallelism=kw.get("ParallelismConfiguration"))

    @operation("DescribePipeline", {"PipelineName": "str", "PipelineVersionId": "int"}, required=("PipelineName",))
    def describe_pipeline(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.describe(kw["PipelineName"])

    @operation("DeletePipeline", {"PipelineName": "str", "ClientRequestToken": "str"}, required=("PipelineName",))
    def delete_pipeline(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.delete(kw["PipelineName"])

    @operation("ListPipelines", {**_PAGE, "PipelineNamePrefix": "str"})
    def list_pipelines(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.list(prefix=kw.get("PipelineNamePrefix"), created_after=kw.get("CreatedAfter"),
                                           created_before=kw.get("CreatedBefore"), sort_by=kw.get("SortBy"), sort_order=kw.get("SortOrder"),
                                           max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"))

    @operation("StartPipelineExecution", {"PipelineName": "str", "PipelineExecutionDisplayName": "str", "PipelineParameters": "list",
                                          "PipelineExecutionDescription": "str", "ClientRequestToken": "str",
                                          "ParallelismConfiguration": "dict", "SelectiveExecutionConfig": "dict", "PipelineVersionId": "int"},
               required=("PipelineName",))
    def start_pipeline_execution(self, **kw: Any) -> dict[str, Any]:
        if kw.get("SelectiveExecutionConfig"):
            from ..errors import Invalid

            raise Invalid("SelectiveExecutionConfig is not supported: start the whole pipeline (cached steps are reused when their "
                          "CacheConfig allows).", field="SelectiveExecutionConfig")
        described = self._core().pipelines.start(kw["PipelineName"], kw.get("PipelineParameters"),
                                                 display_name=kw.get("PipelineExecutionDisplayName"),
                                                 description=kw.get("PipelineExecutionDescription"),
                                                 parallelism=kw.get("ParallelismConfiguration"))
        return {"PipelineExecutionArn": described["PipelineExecutionArn"]}

    @operation("DescribePipelineExecution", {"PipelineExecutionArn": "str"}, required=("PipelineExecutionArn",))
    def describe_pipeline_execution(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.describe_execution(kw["PipelineExecutionArn"], with_graph=False)

    @operation("ListPipelineExecutions", {**_PAGE, "PipelineName": "str"}, required=("PipelineName",))
    def list_pipeline_executions(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.list_executions(kw["PipelineName"], sort_by=kw.get("SortBy"), sort_order=kw.get("SortOrder"),
                                                      max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"),
                                                      created_after=kw.get("CreatedAfter"), created_before=kw.get("CreatedBefore"))

    @operation("ListPipelineExecutionSteps", {"PipelineExecutionArn": "str", "NextToken": "str", "MaxResults": "int", "SortOrder": "str"},
               required=("PipelineExecutionArn",))
    def list_pipeline_execution_steps(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.list_steps(kw["PipelineExecutionArn"], sort_order=kw.get("SortOrder"),
                                                 max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"))

    @operation("StopPipelineExecution", {"PipelineExecutionArn": "str", "ClientRequestToken": "str"}, required=("PipelineExecutionArn",))
    def stop_pipeline_execution(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.stop(kw["PipelineExecutionArn"])

    @operation("ListPipelineParametersForExecution", {"PipelineExecutionArn": "str", "NextToken": "str", "MaxResults": "int"},
               required=("PipelineExecutionArn",))
    def list_pipeline_parameters_for_execution(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.list_parameters(kw["PipelineExecutionArn"])

    @operation("DescribeModel", {"ModelName": "str"}, required=("ModelName",))
    def describe_model(self, **kw: Any) -> dict[str, Any]:
        return self._core().pipelines.describe_model(kw["ModelName"])

    @operation("DescribeProcessingJob", {"ProcessingJobName": "str"}, required=("ProcessingJobName",))
    def describe_processing_job(self, **kw: Any) -> dict[str, Any]:
        return dict(to_json(self._core().processing.describe(_name(kw["ProcessingJobName"]))))

    @operation("DescribeTransformJob", {"TransformJobName": "str"}, required=("TransformJobName",))
    def describe_transform_job(self, **kw: Any) -> dict[str, Any]:
        return dict(to_json(self._core().transforms.describe(_name(kw["TransformJobName"]))))

    @operation("DescribeHyperParameterTuningJob", {"HyperParameterTuningJobName": "str"}, required=("HyperParameterTuningJobName",))
    def describe_hyper_parameter_tuning_job(self, **kw: Any) -> dict[str, Any]:
        return dict(to_json(self._core().tuning.describe(_name(kw["HyperParameterTuningJobName"]))))


def outputs_by_name(described: dict[str, Any]) -> dict[str, Any]:
    """DescribeProcessingJob with ProcessingOutputConfig.Outputs (and ProcessingInputs) keyed by
    name, as SageMaker's local mode answers once a pipeline ran the job."""
    out = json.loads(json.dumps(described))
    config = out.get("ProcessingOutputConfig") or {}
    if isinstance(config.get("Outputs"), list):
        config["Outputs"] = {o.get("OutputName"): o for o in config["Outputs"]}
    if isinstance(out.get("ProcessingInputs"), list):
        out["ProcessingInputs"] = {i.get("InputName"): i for i in out["ProcessingInputs"]}
    return out
