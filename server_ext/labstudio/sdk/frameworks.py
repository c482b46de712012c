"""Framework estimators (SKLearn, XGBoost, PyTorch, TensorFlow, HuggingFace): the Estimator plus SageMaker's defaults.

Locally there is no framework container: the script runs with the libraries installed in
this Python, so ``framework_version``/``py_version`` are accepted, ignored and named in the
one warning. What differs per framework is the predictor a ``deploy`` returns (its default
serializer and deserializer are SageMaker's), the default handlers the model server uses
(the framework container's, whatever object ``model_fn`` returns: ``_serving_framework``),
and, for frameworks that are not dependencies of labstudio, the package a ``fit``/``deploy``
needs and names when it is missing.
"""
from __future__ import annotations

import importlib.util
import sys
from typing import Any

from .deserializers import CSVDeserializer, JSONDeserializer, NumpyDeserializer
from .estimator import Estimator
from .model import Model
from .predictor import Predictor
from .serializers import JSONSerializer, LibSVMSerializer, NumpySerializer


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
    """LibSVM text in (``text/libsvm``), CSV out: SageMaker's XGBoostPredictor defaults."""

    def __init__(self, endpoint_name: str, sagemaker_session: Any = None, serializer: Any = None, deserializer: Any = None, **kwargs: Any) -> None:
        super().__init__(endpoint_name, sagemaker_session, serializer or LibSVMSerializer(), deserializer or CSVDeserializer(), **kwargs)


class JSONPredictor(Predictor):
    """JSON in, JSON out: SageMaker's TensorFlowPredictor and HuggingFacePredictor defaults."""

    def __init__(self, endpoint_name: str, sagemaker_session: Any = None, serializer: Any = None, deserializer: Any = None, **kwargs: Any) -> None:
        super().__init__(endpoint_name, sagemaker_session, serializer or JSONSerializer(), deserializer or JSONDeserializer(), **kwargs)


class TensorFlowPredictor(JSONPredictor):
    """JSON in and out; a list is sent as TF Serving's ``{"instances": ...}`` is read by the model server."""

    def __init__(self, endpoint_name: str, sagemaker_session: Any = None, serializer: Any = None, deserializer: Any = None,
                 model_name: str | None = None, model_version: str | None = None, **kwargs: Any) -> None:
        super().__init__(endpoint_name, sagemaker_session, serializer, deserializer, **kwargs)
        self.model_name = model_name
        self.model_version = model_version


class HuggingFacePredictor(JSONPredictor):
    pass


def require_packages(owner: str, packages: tuple[tuple[str, str], ...]) -> None:
    """Refuse, before any job or endpoint starts, when a framework's package is not installed.

    ``packages`` are (import name, pip name) pairs; the script runs with this Python, so this is
    where the package must be.
    """
    missing = [pip for module, pip in packages if importlib.util.find_spec(module) is None]
    if missing:
        names = " ".join(missing)
        raise ValueError(
            f"{owner} needs {', '.join(missing)} in this Python environment ({sys.executable}), and "
            f"{'it is' if len(missing) == 1 else 'they are'} not installed. labstudio runs the script with the "
            f"libraries installed here (there is no framework container): `pip install {names}`."
        )


class _NeedsFramework:
    """Mixin for estimators/models whose framework is optional: checked at fit/deploy, not at import."""

    _requires: tuple[tuple[str, str], ...] = ()

    def _require(self, action: str) -> None:
        require_packages(f"{type(self).__name__}.{action}()", self._requires)


class SKLearn(Estimator):
    """``sagemaker.sklearn.SKLearn``: deploy returns an SKLearnPredictor (NumPy in and out)."""

    _predictor_cls = SKLearnPredictor
    _serving_framework = "sklearn"

    def __init__(self, entry_point: Any = None, framework_version: str | None = None, py_version: str | None = "py3",
                 source_dir: Any = None, hyperparameters: Any = None, image_uri: str | None = None, **kwargs: Any) -> None:
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         **_framework_kwargs(kwargs, framework_version, None if py_version == "py3" else py_version, image_uri))


class XGBoost(Estimator):
    """``sagemaker.xgboost.XGBoost`` (script mode): deploy returns an XGBoostPredictor (LibSVM in, CSV out)."""

    _predictor_cls = XGBoostPredictor
    _serving_framework = "xgboost"

    def __init__(self, entry_point: Any = None, framework_version: str | None = None, source_dir: Any = None,
                 hyperparameters: Any = None, py_version: str | None = "py3", image_uri: str | None = None, **kwargs: Any) -> None:
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         **_framework_kwargs(kwargs, framework_version, None if py_version == "py3" else py_version, image_uri))


class PyTorch(Estimator):
    """``sagemaker.pytorch.PyTorch``: deploy returns a PyTorchPredictor (NumPy in and out)."""

    _predictor_cls = PyTorchPredictor
    _serving_framework = "pytorch"

    def __init__(self, entry_point: Any = None, framework_version: str | None = None, py_version: str | None = None,
                 source_dir: Any = None, hyperparameters: Any = None, image_uri: str | None = None, **kwargs: Any) -> None:
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         **_framework_kwargs(kwargs, framework_version, py_version, image_uri))


def _keras2_version(framework_version: Any) -> bool:
    """Whether SageMaker's container for this TensorFlow version ships Keras 2 (before 2.16)."""
    try:
        major, minor = (int(part) for part in str(framework_version).split(".")[:2])
    except (TypeError, ValueError):
        return False
    return (major, minor) < (2, 16)


class TensorFlow(_NeedsFramework, Estimator):
    """``sagemaker.tensorflow.TensorFlow`` script mode, run locally with the tensorflow installed here.

    ``model_dir`` (when given) reaches the script as the ``--model_dir`` hyperparameter, as in
    SageMaker; save the model under ``SM_MODEL_DIR`` (``--sm-model-dir``) to have it archived.
    A ``framework_version`` before 2.16 means a container with Keras 2, where scripts call
    ``model.save(dir)`` for a SavedModel; Keras 3 refuses that, so when ``tf_keras`` (Keras 2)
    is installed the job gets ``TF_USE_LEGACY_KERAS=1`` (unless the environment sets it).
    """

    _predictor_cls = TensorFlowPredictor
    _serving_framework = "tensorflow"
    _requires = (("tensorflow", "tensorflow"),)

    def __init__(self, py_version: str | None = None, framework_version: str | None = None, model_dir: Any = None,
                 image_uri: str | None = None, distribution: Any = None, entry_point: Any = None, source_dir: Any = None,
                 hyperparameters: Any = None, **kwargs: Any) -> None:
        hyper = dict(hyperparameters or {})
        if model_dir not in (None, False):
            hyper.setdefault("model_dir", str(model_dir))
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyper,
                         **_framework_kwargs(kwargs, framework_version, py_version, image_uri),
                         **({"distribution": distribution} if distribution is not None else {}))
        if (_keras2_version(framework_version) and "TF_USE_LEGACY_KERAS" not in self.environment
                and importlib.util.find_spec("tf_keras") is not None):
            self.environment["TF_USE_LEGACY_KERAS"] = "1"

    def fit(self, *args: Any, **kwargs: Any) -> None:
        self._require("fit")
        super().fit(*args, **kwargs)

    def deploy(self, *args: Any, **kwargs: Any) -> Predictor:
        self._require("deploy")
        return super().deploy(*args, **kwargs)


class HuggingFace(_NeedsFramework, Estimator):
    """``sagemaker.huggingface.HuggingFace``: the script runs locally with transformers (and torch) installed here."""

    _predictor_cls = HuggingFacePredictor
    _serving_framework = "huggingface"
    _requires: tuple[tuple[str, str], ...] = (("transformers", "transformers"),)

    def __init__(self, py_version: str | None = None, entry_point: Any = None, transformers_version: str | None = None,
                 tensorflow_version: str | None = None, pytorch_version: str | None = None, source_dir: Any = None,
                 hyperparameters: Any = None, image_uri: str | None = None, **kwargs: Any) -> None:
        for key, value in (("transformers_version", transformers_version), ("tensorflow_version", tensorflow_version),
                           ("pytorch_version", pytorch_version)):
            if value is not None:
                kwargs[key] = value
        self._requires = (("transformers", "transformers"),) + ((("tensorflow", "tensorflow"),) if tensorflow_version else (("torch", "torch"),))
        super().__init__(entry_point=entry_point, source_dir=source_dir, hyperparameters=hyperparameters,
                         **_framework_kwargs(kwargs, None, py_version, image_uri))

    def fit(self, *args: Any, **kwargs: Any) -> None:
        self._require("fit")
        super().fit(*args, **kwargs)

    def deploy(self, *args: Any, **kwargs: Any) -> Predictor:
        self._require("deploy")
        return super().deploy(*args, **kwargs)


def _model(predictor: type[Predictor], framework: str, doc: str) -> type[Model]:
    class FrameworkModel(Model):
        _serving_framework = framework

        def __init__(self, model_data: Any = None, role: Any = None, entry_point: Any = None, framework_version: Any = None,
                     py_version: Any = None, image_uri: Any = None, predictor_cls: Any = predictor, **kwargs: Any) -> None:
            super().__init__(model_data=model_data, role=role, entry_point=entry_point, image_uri=image_uri, predictor_cls=predictor_cls,
                             **_framework_kwargs(kwargs, framework_version, None if py_version == "py3" else py_version, None))

    FrameworkModel.__doc__ = doc
    return FrameworkModel


SKLearnModel = _model(SKLearnPredictor, "sklearn", "``sagemaker.sklearn.SKLearnModel``: a model served with NumPy in and out.")
SKLearnModel.__name__ = SKLearnModel.__qualname__ = "SKLearnModel"
XGBoostModel = _model(XGBoostPredictor, "xgboost", "``sagemaker.xgboost.XGBoostModel``: a model served with LibSVM in and CSV out.")
XGBoostModel.__name__ = XGBoostModel.__qualname__ = "XGBoostModel"
PyTorchModel = _model(PyTorchPredictor, "pytorch", "``sagemaker.pytorch.PyTorchModel``: a model served with NumPy in and out.")
PyTorchModel.__name__ = PyTorchModel.__qualname__ = "PyTorchModel"


class TensorFlowModel(_NeedsFramework, Model):
    """``sagemaker.tensorflow.TensorFlowModel``: served by the local model server with the tensorflow
    installed here; the inference script's ``model_fn`` (and input/predict/output functions) load and
    call the model. JSON in and out."""

    _requires = (("tensorflow", "tensorflow"),)
    _serving_framework = "tensorflow"

    def __init__(self, model_data: Any = None, role: Any = None, entry_point: Any = None, image_uri: Any = None,
                 framework_version: Any = None, container_log_level: Any = None, predictor_cls: Any = TensorFlowPredictor,
                 **kwargs: Any) -> None:
        super().__init__(model_data=model_data, role=role, entry_point=entry_point, image_uri=image_uri, predictor_cls=predictor_cls,
                         **_framework_kwargs(kwargs, framework_version, None, None),
                         **({"container_log_level": container_log_level} if container_log_level is not None else {}))

    def deploy(self, *args: Any, **kwargs: Any) -> Predictor:
        self._require("deploy")
        return super().deploy(*args, **kwargs)


class HuggingFaceModel(_NeedsFramework, Model):
    """``sagemaker.huggingface.HuggingFaceModel``: served by the local model server with transformers
    installed here; the inference script's ``model_fn`` loads the model. JSON in and out."""

    _requires = (("transformers", "transformers"),)
    _serving_framework = "huggingface"

    def __init__(self, role: Any = None, model_data: Any = None, entry_point: Any = None, transformers_version: Any = None,
                 tensorflow_version: Any = None, pytorch_version: Any = None, py_version: Any = None, image_uri: Any = None,
                 predictor_cls: Any = HuggingFacePredictor, **kwargs: Any) -> None:
        for key, value in (("transformers_version", transformers_version), ("tensorflow_version", tensorflow_version),
                           ("pytorch_version", pytorch_version)):
            if value is not None:
                kwargs[key] = value
        super().__init__(model_data=model_data, role=role, entry_point=entry_point, image_uri=image_uri, predictor_cls=predictor_cls,
                         **_framework_kwargs(kwargs, None, None if py_version == "py3" else py_version, None))

    def deploy(self, *args: Any, **kwargs: Any) -> Predictor:
        self._require("deploy")
        return super().deploy(*args, **kwargs)
