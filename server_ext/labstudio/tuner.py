"""``labstudio.tuner``: what ``sagemaker.tuner`` offers, with the sweep run locally."""
from .sdk.tuner import (
    CategoricalParameter,
    ContinuousParameter,
    HyperparameterTuner,
    HyperparameterTuningJobAnalytics,
    IntegerParameter,
    ParameterRange,
    TuningJob,
    WarmStartConfig,
    WarmStartTypes,
)

__all__ = [
    "CategoricalParameter", "ContinuousParameter", "HyperparameterTuner", "HyperparameterTuningJobAnalytics", "IntegerParameter",
    "ParameterRange", "TuningJob", "WarmStartConfig", "WarmStartTypes",
]
