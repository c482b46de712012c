"""Framework estimators (SKLearn, XGBoost, PyTorch): the Estimator plus SageMaker's defaults.

Locally there is no framework container: the script runs with the libraries installed in
this Python, so ``framework_version``/``py_version`` are accepted, ignored and named in the
one warning. What differs per framework is the predictor a ``deploy`` returns.
"""
from __future__ import annotations

from typing import Any

from .deserializers import CSVDeserializer, NumpyDeserializer
from .estimator import Estimator
from .model import Model
from .predictor import Predictor
from .serializers import CSVSerializer, NumpySerializer


def _framework_kwargs(kwargs: dict[str, Any], framework_version: Any, py_version: Any, image_uri: Any) -> dict[str, Any]:
    for key, value in (("framework_version", framework_version), ("py_version", py_version), ("image_uri", image_uri)):
        if value is not None:
            kwargs[key] = value
    return kwargs


class NumpyPredictor(Predictor):
    """NumPy in (``application/x-npy``), NumPy out: SageMaker's SKLearnPredictor/PyTorchPredictor."""

    def __init__(self, endpoint_name: str, sagemaker_session: Any = None, serializer: Any = None, deserializer: Any = None, **kwargs: Any) -> None:
        super().__init__(endpoint_name, sagemaker_session, serializer or NumpySerializer(), deserializer or NumpyDeserializer(), **kwargs)


class SKLearnPredictor(NumpyPredictor):
    pass


class PyTorchPredictor(NumpyPredictor):
    pass


class XGBoostPredictor(Predictor):
    """CSV in, CSV out (SageMaker sends LibSVM by default; the local model server reads CSV)."""

    def __init__(self, endpoint_name: str, sagemaker_session: Any = None, serializer: Any = None, deserializer: Any = None, **kwargs: Any) -> None:
        super().__init__(endpoint_name, sagemaker_session, serializer or CSVSerializer(), deserializer or CSVDeserializer(), **kwargs)


class SKLearn(Estimator):
    """``sagemaker.sklearn.SKLearn``: deploy returns an SKLearnPredictor (NumPy in and out)."""

    _predictor_cls = SKLearnPredictor

    def __init__(self, entry_point: Any = None, framework_version: str | None = None, py_version: str | None = "py3",
                 source_dir: Any = None, hyperparameters: Any = None, image_uri: str | None = None, **kwargs: Any) -> None:
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         **_framework_kwargs(kwargs, framework_version, None if py_version == "py3" else py_version, image_uri))


class XGBoost(Estimator):
    """``sagemaker.xgboost.XGBoost`` (script mode): deploy returns an XGBoostPredictor (CSV)."""

    _predictor_cls = XGBoostPredictor

    def __init__(self, entry_point: Any = None, framework_version: str | None = None, source_dir: Any = None,
                 hyperparameters: Any = None, py_version: str | None = "py3", image_uri: str | None = None, **kwargs: Any) -> None:
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         **_framework_kwargs(kwargs, framework_version, None if py_version == "py3" else py_version, image_uri))


class PyTorch(Estimator):
    """``sagemaker.pytorch.PyTorch``: deploy returns a PyTorchPredictor (NumPy in and out)."""

    _predictor_cls = PyTorchPredictor

    def __init__(self, entry_point: Any = None, framework_version: str | None = None, py_version: str | None = None,
                 source_dir: Any = None, hyperparameters: Any = None, image_uri: str | None = None, **kwargs: Any) -> None:
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         **_framework_kwargs(kwargs, framework_version, py_version, image_uri))


def _model(predictor: type[Predictor], doc: str) -> type[Model]:
    class FrameworkModel(Model):
        def __init__(self, model_data: Any = None, role: Any = None, entry_point: Any = None, framework_version: Any = None,
                     py_version: Any = None, image_uri: Any = None, predictor_cls: Any = predictor, **kwargs: Any) -> None:
            super().__init__(model_data=model_data, role=role, entry_point=entry_point, image_uri=image_uri, predictor_cls=predictor_cls,
                             **_framework_kwargs(kwargs, framework_version, None if py_version == "py3" else py_version, None))

    FrameworkModel.__doc__ = doc
    return FrameworkModel


SKLearnModel = _model(SKLearnPredictor, "``sagemaker.sklearn.SKLearnModel``: a model served with NumPy in and out.")
SKLearnModel.__name__ = SKLearnModel.__qualname__ = "SKLearnModel"
XGBoostModel = _model(XGBoostPredictor, "``sagemaker.xgboost.XGBoostModel``: a model served with CSV in and out.")
XGBoostModel.__name__ = XGBoostModel.__qualname__ = "XGBoostModel"
PyTorchModel = _model(PyTorchPredictor, "``sagemaker.pytorch.PyTorchModel``: a model served with NumPy in and out.")
PyTorchModel.__name__ = PyTorchModel.__qualname__ = "PyTorchModel"
