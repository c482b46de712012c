"""SageMaker's ``LineageTrialComponent``: a training, processing or transform job in the trail."""
from __future__ import annotations

from typing import Any

from ._base import Record
from .query import LineageEntityEnum, LineageQueryDirectionEnum, LineageSourceEnum, query_objects


class LineageTrialComponent(Record):
    trial_component_arn: str
    trial_component_name: str

    @classmethod
    def load(cls, trial_component_name: str, sagemaker_session: Any = None) -> Any:
        return cls._load("describe_trial_component", sagemaker_session, TrialComponentName=trial_component_name)

    def dataset_artifacts(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> list[Any]:
        return query_objects(self.sagemaker_session, self.trial_component_arn, direction, LineageEntityEnum.ARTIFACT,
                             [LineageSourceEnum.DATASET])

    def models(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.DESCENDANTS) -> list[Any]:
        return query_objects(self.sagemaker_session, self.trial_component_arn, direction, LineageEntityEnum.ARTIFACT,
                             [LineageSourceEnum.MODEL])

    def pipeline_execution_arn(self) -> str | None:
        found = query_objects(self.sagemaker_session, self.trial_component_arn, LineageQueryDirectionEnum.ASCENDANTS,
                              LineageEntityEnum.CONTEXT, [LineageSourceEnum.PIPELINE_EXECUTION])
        return found[0].source.source_uri if found else None
