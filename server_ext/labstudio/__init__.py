"""labstudio: a local-first ML studio for JupyterLab (training jobs, experiments, endpoints)."""
from __future__ import annotations

from ._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `import labstudio` sits on the supervisor's hot path
if TYPE_CHECKING:
    from typing import Any


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "labstudio"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    from .extension import LabstudioApp

    return [{"module": "labstudio", "app": LabstudioApp}]


# Public SDK names, imported on first use: `import labstudio` stays cheap (the job supervisor
# imports it on its hot path), while `from labstudio import Run` pulls in the tracking code.
_LAZY = {
    "Run": "labstudio.tracking.run",
    "load_run": "labstudio.tracking.run",
    "search_runs": "labstudio.tracking.analytics",
    "ExperimentAnalytics": "labstudio.tracking.analytics",
    "plot": "labstudio.plot",
    # SageMaker-compatible SDK (issue 5): estimators, models, predictors and their modules.
    "Estimator": "labstudio.sdk.estimator",
    "Model": "labstudio.sdk.model",
    "Predictor": "labstudio.sdk.predictor",
    "TrainingJob": "labstudio.sdk.job",
    "TrainingJobAnalytics": "labstudio.sdk.analytics",
    "TrainingInput": "labstudio.sdk.inputs",
    "LocalSession": "labstudio.sdk.session",
    "UnexpectedStatusException": "labstudio.sdk.exceptions",
    "ModelError": "labstudio.sdk.exceptions",
    "serializers": "labstudio.serializers",
    "deserializers": "labstudio.deserializers",
    "sklearn": "labstudio.sklearn",
    "xgboost": "labstudio.xgboost",
    "pytorch": "labstudio.pytorch",
    "local": "labstudio.local",
    # SageMaker SDK module tree and top-level names (issue 13).
    "Session": "labstudio.sdk.session",
    "get_execution_role": "labstudio.sdk.session",
    "image_uris": "labstudio.image_uris",
    "tensorflow": "labstudio.tensorflow",
    "huggingface": "labstudio.huggingface",
    "estimator": "labstudio.estimator",
    "model": "labstudio.model",
    "predictor": "labstudio.predictor",
    "inputs": "labstudio.inputs",
    "session": "labstudio.session",
    "s3": "labstudio.s3",
    "utils": "labstudio.utils",
    # Hyperparameter tuning (issue 11).
    "HyperparameterTuner": "labstudio.sdk.tuner",
    "tuner": "labstudio.tuner",
    "widgets": "labstudio.widgets",
    "magics": "labstudio.magics",
    # Processing jobs (issue 12).
    "processing": "labstudio.processing",
    # Batch transform (issue 12).
    "Transformer": "labstudio.sdk.transformer",
    "transformer": "labstudio.transformer",
    # Model registry and lineage (issue 21).
    "model_metrics": "labstudio.model_metrics",
    "lineage": "labstudio.lineage",
    # Model Monitor (issue 23).
    "model_monitor": "labstudio.model_monitor",
    # Asynchronous and serverless inference (issue 25).
    "async_inference": "labstudio.async_inference",
    "predictor_async": "labstudio.predictor_async",
    "exceptions": "labstudio.exceptions",
    "serverless": "labstudio.serverless",
    # AutoML, SageMaker Autopilot's shape (issue 24).
    "AutoML": "labstudio.sdk.automl",
    "AutoMLInput": "labstudio.sdk.automl",
    "automl": "labstudio.automl",
}


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext labstudio`: registers %train, %%train, %tune, %process, %transform, %deploy, %register, %jobs, %endpoints, %runs, %logs, %stop."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magics import unload_ipython_extension as unload

    unload(ipython)


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'labstudio' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(module_name)
    value = module if module_name == f"labstudio.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))


__all__ = [
    "__version__", "Run", "load_run", "search_runs", "ExperimentAnalytics",
    "Estimator", "Model", "Predictor", "TrainingJob", "TrainingJobAnalytics", "TrainingInput", "LocalSession",
    "UnexpectedStatusException", "ModelError", "AutoML", "AutoMLInput", "load_ipython_extension",
]
