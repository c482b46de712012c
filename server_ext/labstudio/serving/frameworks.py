"""Framework defaults of the model server, chosen once the model is loaded.

SageMaker's framework containers differ in their default handlers, and scripts rely on it:

- XGBoost: a ``Booster`` gets its request as an ``xgboost.DMatrix`` (CSV and LibSVM bodies,
  as the XGBoost container decodes them) and ``predict(..., validate_features=False)``.
- PyTorch: the decoded array becomes a tensor on the model's device (JSON and CSV bodies a
  float tensor in the model's dtype, as the PyTorch toolkit does), and the model runs in eval
  mode under ``torch.no_grad()``; a tensor prediction is moved to the CPU to be encoded.

- TensorFlow: a model folder holding a SavedModel under a numeric version folder and no
  ``model_fn`` is served as the TF Serving container does (``tfserving``: TF Serving's REST
  JSON in and out, CSV rows as instances, the script's ``input_handler``/``output_handler``).
- Hugging Face: a model folder with ``HF_TASK`` set, or a ``config.json`` beside weights, and
  no ``model_fn`` becomes a ``transformers`` pipeline; a pipeline (loaded by either) is served
  as the Hugging Face inference toolkit does (``hf_toolkit``: ``{"inputs", "parameters"}``).

Everything else (scikit-learn and other objects with ``predict``) keeps the generic defaults
of ``contract``. Frameworks are recognised through ``sys.modules`` only: a model of a
framework is an instance of one of its classes, so the framework is already imported. Only
the loader is chosen from the folder (``directory_model_fn``), before any model exists.

On SageMaker the container image, not the object, decides the defaults: a ``PyTorchModel``
runs in the PyTorch container whatever its ``model_fn`` returns (a ``transformers`` pipeline,
say). The SDK's framework classes declare it (``LABSTUDIO_SERVING_FRAMEWORK`` in the
endpoint's Environment, ``spec.SERVING_FRAMEWORK_ENV``) and ``framework_defaults`` then takes
that framework's defaults; with nothing declared, the object's type decides as above.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from . import codecs, hf_toolkit, tfserving

XGBOOST_TYPES = (codecs.CSV, codecs.LIBSVM, codecs.X_LIBSVM)
XGBOOST_DECODERS = {
    codecs.CSV: "XGBoost CSV decoder (rows of numbers -> xgboost.DMatrix)",
    codecs.LIBSVM: "XGBoost LibSVM decoder (label index:value ... rows -> xgboost.DMatrix)",
    codecs.X_LIBSVM: "XGBoost LibSVM decoder (label index:value ... rows -> xgboost.DMatrix)",
}


def framework_of(model: Any) -> str | None:
    """'xgboost' for an ``xgboost.Booster``, 'pytorch' for a ``torch.nn.Module``, 'tensorflow'
    for SavedModels served as TF Serving, 'huggingface' for a ``transformers`` pipeline, else None."""
    if isinstance(model, tfserving.TFServingModel):
        return "tensorflow"
    transformers = sys.modules.get("transformers")
    if transformers is not None and isinstance(model, getattr(transformers, "Pipeline", ())):
        return "huggingface"
    xgb = sys.modules.get("xgboost")
    if xgb is not None and isinstance(model, xgb.Booster):
        return "xgboost"
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return "pytorch"
    return None


# -- how many features a model expects ----------------------------------------------------


def expected_features(model: Any) -> int | None:
    """The number of features per row the model was built for, when it says so."""
    n = getattr(model, "n_features_in_", None)
    if isinstance(n, int):
        return n
    kind = framework_of(model)
    if kind == "tensorflow":
        return model.expected_features()
    if kind == "xgboost":
        try:
            return int(model.num_features())
        except Exception:
            return None
    if kind == "pytorch":
        for module in model.modules():
            in_features = getattr(module, "in_features", None)
            if isinstance(in_features, int):
                return in_features
            if getattr(module, "weight", None) is not None:  # the first layer is not a Linear: unknown
                return None
    return None


def given_features(data: Any) -> int | None:
    """The number of features per row of a decoded request (columns of its last axis)."""
    num_col = getattr(data, "num_col", None)
    if callable(num_col):  # an xgboost.DMatrix
        try:
            return int(num_col())
        except Exception:
            return None
    shape = getattr(data, "shape", None)
    if isinstance(shape, tuple) and shape and all(isinstance(d, int) for d in shape):
        return shape[-1]
    return None


def feature_hint(model: Any, data: Any) -> str:
    """' (the model expects N features per row; the request has M)' when they differ, else ''."""
    expected, given = expected_features(model), given_features(data)
    if expected is None or given is None or expected == given:
        return ""
    return f" (the model expects {expected} features per row; the request has {given})"


# -- XGBoost ------------------------------------------------------------------------------


def _xgboost_handlers(model: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    import numpy as np
    import xgboost as xgb

    expected = expected_features(model)

    def dmatrix(data: Any, dense: bool, **kwargs: Any) -> Any:
        matrix: Any = xgb.DMatrix(data, **kwargs)
        matrix._labstudio_dense = dense  # how predict_fn checks its width (an attribute xgboost does not declare)
        return matrix

    def input_fn(body: Any, content_type: str) -> Any:
        kind = codecs.media_type(content_type)
        if kind not in XGBOOST_TYPES:
            decoded = codecs.decode(body, content_type)
            sparse = hasattr(decoded, "tocsr")
            return dmatrix(decoded if sparse else np.atleast_2d(decoded), not sparse)
        try:
            if kind == codecs.CSV:
                return dmatrix(np.atleast_2d(codecs._csv_to_numpy(body)), True)
            matrix, labels = codecs.libsvm_to_sparse(body)
            return dmatrix(matrix, False, label=labels)
        except ValueError as exc:
            raise codecs.DecodeError(f"the default input_fn's {XGBOOST_DECODERS[kind]} could not read the {kind} body: {exc}") from None

    def predict_fn(data: Any, booster: Any) -> Any:
        if not isinstance(data, xgb.DMatrix):
            sparse = hasattr(data, "tocsr")
            data = dmatrix(data if sparse else np.atleast_2d(np.asarray(data)), not sparse)
        given = data.num_col()
        # A sparse (LibSVM) row may stop before the last feature, as XGBoost allows; more
        # columns than the model has never fit, nor does a dense row of another width.
        dense = getattr(data, "_labstudio_dense", False)
        if expected is not None and (given > expected or (dense and given != expected)):
            raise ValueError(f"the request has {given} features per row, but the model expects {expected} features per row")
        if not isinstance(booster, xgb.Booster) and callable(getattr(booster, "get_booster", None)):
            booster = booster.get_booster()  # an XGBModel (scikit-learn API) served by an XGBoostModel
        return booster.predict(data, validate_features=False)

    return input_fn, predict_fn


# -- PyTorch ------------------------------------------------------------------------------


def _torch_handlers(model: Any) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    import numpy as np
    import torch

    def placement(net: Any) -> tuple[Any, Any]:
        """Device and float dtype of the model's parameters (CPU, float32 for an object with none:
        a PyTorchModel may serve any object its model_fn returns)."""
        device, dtype = torch.device("cpu"), torch.float32
        parameters = getattr(net, "parameters", None)
        if not isinstance(net, torch.nn.Module) or not callable(parameters):
            return device, dtype
        for param in parameters():
            device = param.device
            if param.is_floating_point():
                dtype = param.dtype
                break
        return device, dtype

    def to_tensor(data: Any, device: Any, dtype: Any) -> Any:
        if isinstance(data, torch.Tensor):
            return data.to(device)
        if hasattr(data, "toarray"):  # a sparse matrix (NPZ, LibSVM)
            data = data.toarray()
        array = np.asarray(data)
        if array.dtype.kind == "f":
            return torch.as_tensor(array, dtype=dtype, device=device)
        if array.dtype.kind in "iub":
            return torch.as_tensor(array, device=device)
        raise ValueError(f"the request decoded to a {array.dtype} array, which cannot become a tensor: define input_fn")

    expected = expected_features(model)

    def input_fn(body: Any, content_type: str) -> Any:
        """Text bodies (JSON, CSV) become float tensors, as in SageMaker's PyTorch toolkit;
        binary ones (NPY...) keep their integer dtype (token ids), floats take the model's."""
        data = codecs.decode(body, content_type)
        device, dtype = placement(model)
        if codecs.media_type(content_type) in (codecs.JSON, codecs.CSV):
            if hasattr(data, "toarray"):
                data = data.toarray()
            try:
                return torch.as_tensor(np.asarray(data, dtype=float), dtype=dtype, device=device)
            except (TypeError, ValueError) as exc:
                raise codecs.DecodeError(f"the default input_fn could not make a float tensor of the {codecs.media_type(content_type)} body: {exc}") from None
        return to_tensor(data, device, dtype)

    def predict_fn(data: Any, net: Any) -> Any:
        device, dtype = placement(net)
        tensor = to_tensor(data, device, dtype)
        if tensor.ndim == 1 and expected is not None and tensor.shape[0] == expected:
            tensor = tensor.unsqueeze(0)  # one row sent as a flat vector
        if expected is not None and tensor.ndim >= 1 and tensor.shape[-1] != expected:
            raise ValueError(f"the request has {tensor.shape[-1]} features per row, but the model expects {expected} features per row")
        if isinstance(net, torch.nn.Module):
            net.eval()
        elif not callable(net):
            raise TypeError(f"the model ({type(net).__name__}) is not callable, as the PyTorch container's default predict_fn needs: define predict_fn")
        with torch.no_grad():
            return net(tensor)

    def output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
        if isinstance(prediction, torch.Tensor):
            prediction = prediction.detach().cpu().numpy()
        return codecs.encode(prediction, accept)

    return input_fn, predict_fn, output_fn


def directory_model_fn(model_dir: str) -> Callable[[str], Any] | None:
    """The loader SageMaker's framework container would use for this model folder when the
    script has no ``model_fn``: TF Serving for SavedModel versions, a pipeline for a
    Transformers folder (or HF_TASK); None keeps the generic joblib/pickle loader."""
    if tfserving.is_saved_model_dir(model_dir):
        return _require("tensorflow", "a SavedModel", tfserving.TFServingModel)
    if hf_toolkit.is_transformers_dir(model_dir):
        return _require("transformers", "a Hugging Face model (HF_TASK or config.json)", hf_toolkit.model_fn)
    if _xgboost_model_file(model_dir) is not None:
        return _require("xgboost", "a model of SageMaker's built-in XGBoost algorithm (xgboost-model)", load_xgboost_model)
    return None


XGBOOST_MODEL_FILE = "xgboost-model"


def _xgboost_model_file(model_dir: str) -> str | None:
    """The built-in XGBoost algorithm's model file (`xgboost-model`) of a model folder, if any."""
    import os

    path = os.path.join(model_dir, XGBOOST_MODEL_FILE)
    return path if os.path.isfile(path) else None


def load_xgboost_model(model_dir: str) -> Any:
    """What SageMaker's XGBoost serving loads: `xgboost-model` in XGBoost's own format (the
    built-in algorithm's, 1.3 and later) or pickled (earlier versions, and scripts that pickle)."""
    import pickle

    import xgboost as xgb

    path = _xgboost_model_file(model_dir)
    assert path is not None
    booster = xgb.Booster()
    try:
        booster.load_model(path)
        return booster
    except xgb.core.XGBoostError:
        with open(path, "rb") as handle:
            return pickle.load(handle)


def _require(package: str, what: str, loader: Callable[[str], Any]) -> Callable[[str], Any]:
    """The loader, preceded by a check that names the package to install when it is missing."""

    def model_fn(model_dir: str) -> Any:
        import importlib.util

        if importlib.util.find_spec(package) is None:
            raise ModuleNotFoundError(
                f"{model_dir} holds {what}, served with {package}, which is not installed in this Python "
                f"({sys.executable}): `pip install {package}`, or define model_fn in the inference script"
            )
        return loader(model_dir)

    return model_fn


def serving_kind(model: Any, declared: str | None) -> str | None:
    """Whose defaults serve ``model``: the declared framework's (``spec.SERVING_FRAMEWORKS``) when
    there is one, whatever the object is, else the framework of the object's type.

    A declared scikit-learn model keeps the generic defaults (SageMaker's scikit-learn container
    has the same); a declared TensorFlow model is served as TF Serving only when it is a SavedModel
    loaded without ``model_fn`` (the TF Serving container has no model_fn), else generically."""
    if declared is None:
        return framework_of(model)
    if declared == "sklearn":
        return None
    if declared == "tensorflow":
        return "tensorflow" if isinstance(model, tfserving.TFServingModel) else None
    return declared


def framework_defaults(model: Any, module: Any = None, declared: str | None = None) -> dict[str, Callable[..., Any]]:
    """The default handler functions that differ for this model's framework (may be empty).
    ``module`` is the inference script, for TF Serving's ``input_handler``/``output_handler``;
    ``declared`` the framework the endpoint was deployed for (``serving_kind``)."""
    kind = serving_kind(model, declared)
    if kind == "tensorflow":
        return tfserving.handlers(model, module)
    if kind == "huggingface":
        return hf_toolkit.handlers()
    if kind == "xgboost":
        input_fn, predict_fn = _xgboost_handlers(model)
        return {"input_fn": input_fn, "predict_fn": predict_fn}
    if kind == "pytorch":
        input_fn, predict_fn, output_fn = _torch_handlers(model)
        return {"input_fn": input_fn, "predict_fn": predict_fn, "output_fn": output_fn}
    return {}
