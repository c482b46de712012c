"""SageMaker Autopilot's calls of ``session.sagemaker_client``, in boto3's shape, answered by the
local AutoML service (automl/service.py): CreateAutoMLJob, DescribeAutoMLJob, ListAutoMLJobs,
ListCandidatesForAutoMLJob and StopAutoMLJob."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .boto_errors import operation

if TYPE_CHECKING:
    from ..core import Core


class AutoMLClientMethods:
    """Mixed into LocalSagemakerClient; `_core()` is the store the session points at."""

    def _core(self) -> Core:
        raise NotImplementedError

    @operation("CreateAutoMLJob", {"AutoMLJobName": "str", "InputDataConfig": "list", "OutputDataConfig": "dict", "ProblemType": "str",
                                   "AutoMLJobObjective": "dict", "AutoMLJobConfig": "dict", "RoleArn": "str",
                                   "GenerateCandidateDefinitionsOnly": "bool", "Tags": "list", "ModelDeployConfig": "dict"},
               required=("AutoMLJobName", "InputDataConfig", "OutputDataConfig", "RoleArn"))
    def create_auto_ml_job(self, **kw: Any) -> dict[str, Any]:
        kw.pop("ModelDeployConfig", None)
        return self._core().automl.create(kw, base_dir=Path.cwd())

    @operation("DescribeAutoMLJob", {"AutoMLJobName": "str"}, required=("AutoMLJobName",))
    def describe_auto_ml_job(self, **kw: Any) -> dict[str, Any]:
        return self._core().automl.describe(kw["AutoMLJobName"])

    @operation("ListAutoMLJobs", {"CreationTimeAfter": "time", "CreationTimeBefore": "time", "LastModifiedTimeAfter": "time",
                                  "LastModifiedTimeBefore": "time", "NameContains": "str", "StatusEquals": "str", "SortOrder": "str",
                                  "SortBy": "str", "MaxResults": "int", "NextToken": "str"})
    def list_auto_ml_jobs(self, **kw: Any) -> dict[str, Any]:
        return self._core().automl.list(status=kw.get("StatusEquals"), name_contains=kw.get("NameContains"), sort_by=kw.get("SortBy"),
                                        sort_order=kw.get("SortOrder"), max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"))

    @operation("ListCandidatesForAutoMLJob", {"AutoMLJobName": "str", "StatusEquals": "str", "CandidateNameEquals": "str",
                                              "SortOrder": "str", "SortBy": "str", "MaxResults": "int", "NextToken": "str"},
               required=("AutoMLJobName",))
    def list_candidates_for_auto_ml_job(self, **kw: Any) -> dict[str, Any]:
        return self._core().automl.list_candidates(kw["AutoMLJobName"], status=kw.get("StatusEquals"),
                                                   candidate_name=kw.get("CandidateNameEquals"), sort_by=kw.get("SortBy"),
                                                   sort_order=kw.get("SortOrder"), max_results=kw.get("MaxResults"),
                                                   next_token=kw.get("NextToken"))

    @operation("StopAutoMLJob", {"AutoMLJobName": "str"}, required=("AutoMLJobName",))
    def stop_auto_ml_job(self, **kw: Any) -> dict[str, Any]:
        return self._core().automl.stop(kw["AutoMLJobName"])


__all__ = ["AutoMLClientMethods"]
