"""SageMaker's ``LineageTableVisualizer``: an entity's incoming and outgoing associations as a
pandas DataFrame (columns Name/Source, Direction, Type, Association Type, Lineage Type)."""
from __future__ import annotations

from typing import Any

from ... import arns
from ._base import client
from .association import Association

COLUMNS = ["Name/Source", "Direction", "Type", "Association Type", "Lineage Type"]


class LineageTableVisualizer:
    def __init__(self, sagemaker_session: Any) -> None:
        self._session = sagemaker_session

    def show(self, trial_component_name: str | None = None, training_job_name: str | None = None,
             processing_job_name: str | None = None, pipeline_execution_step: Any = None, model_package_arn: str | None = None,
             endpoint_arn: str | None = None, artifact_arn: str | None = None, context_arn: str | None = None,
             actions_arn: str | None = None) -> Any:
        """The associations into and out of one entity; None when nothing is recorded for it."""
        start = self._start(trial_component_name, training_job_name, processing_job_name, pipeline_execution_step, model_package_arn,
                            endpoint_arn, artifact_arn, context_arn, actions_arn)
        if start is None:
            return None
        import pandas as pd

        rows = [self._row(a.source_arn, a.source_name, "Input", a.source_type, a.association_type)
                for a in Association.list(destination_arn=start, sagemaker_session=self._session)]
        rows += [self._row(a.destination_arn, a.destination_name, "Output", a.destination_type, a.association_type)
                 for a in Association.list(source_arn=start, sagemaker_session=self._session)]
        return pd.DataFrame(rows, columns=COLUMNS)

    def _start(self, trial_component_name: str | None, training_job_name: str | None, processing_job_name: str | None,
               pipeline_execution_step: Any, model_package_arn: str | None, endpoint_arn: str | None, artifact_arn: str | None,
               context_arn: str | None, actions_arn: str | None) -> str | None:
        api = client(self._session)
        if training_job_name:
            trial_component_name = f"{training_job_name}-aws-training-job"
        elif processing_job_name:
            trial_component_name = f"{processing_job_name}-aws-processing-job"
        if trial_component_name:
            return str(api.describe_trial_component(TrialComponentName=trial_component_name)["TrialComponentArn"])
        if pipeline_execution_step:
            metadata = pipeline_execution_step.get("Metadata") or {}
            if "RegisterModel" in metadata:
                model_package_arn = metadata["RegisterModel"]["Arn"]
            else:
                for kind in ("TrainingJob", "ProcessingJob", "TransformJob"):
                    if metadata.get(kind):
                        found = api.list_trial_components(SourceArn=metadata[kind]["Arn"])["TrialComponentSummaries"]
                        return found[0]["TrialComponentArn"] if found else None
        if model_package_arn:
            found = api.list_artifacts(SourceUri=model_package_arn)["ArtifactSummaries"]
            return found[0]["ArtifactArn"] if found else None
        if endpoint_arn:
            parsed = arns.parse(endpoint_arn)
            uri = arns.endpoint_arn(parsed[1]) if parsed is not None and parsed[0] == "endpoint" else endpoint_arn
            found = api.list_contexts(SourceUri=uri)["ContextSummaries"]
            return found[0]["ContextArn"] if found else None
        return artifact_arn or context_arn or actions_arn

    @staticmethod
    def _row(arn: str, name: str | None, direction: str, kind: str | None, association_type: str) -> list[Any]:
        parts = arn.split(":")
        lineage_type = parts[5].split("/")[0] if len(parts) > 5 else ""
        shown = name or (arn.rsplit("/", 1)[-1])
        if len(shown) > 48:
            shown = shown[:5] + "..." + shown[-40:]
        return [shown, direction, kind, association_type, lineage_type]
