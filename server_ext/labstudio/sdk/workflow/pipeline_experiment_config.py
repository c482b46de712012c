"""Where an execution's jobs record their runs: an experiment and a trial (run group) in it."""
from __future__ import annotations

from typing import Any

from .entities import Entity, Expression, RequestType


class PipelineExperimentConfig(Entity):
    """By default the pipeline's name is the experiment and the execution's id the trial."""

    def __init__(self, experiment_name: Any, trial_name: Any) -> None:
        self.experiment_name = experiment_name
        self.trial_name = trial_name

    def to_request(self) -> RequestType:
        return {"ExperimentName": self.experiment_name, "TrialName": self.trial_name}


class PipelineExperimentConfigProperty(Expression):
    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def expr(self) -> RequestType:
        return {"Get": f"PipelineExperimentConfig.{self.name}"}


class PipelineExperimentConfigProperties:
    EXPERIMENT_NAME = PipelineExperimentConfigProperty("ExperimentName")
    TRIAL_NAME = PipelineExperimentConfigProperty("TrialName")


__all__ = ["PipelineExperimentConfig", "PipelineExperimentConfigProperties", "PipelineExperimentConfigProperty"]
