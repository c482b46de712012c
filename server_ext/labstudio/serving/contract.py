"""The inference handler contract: a SageMaker inference script runs here unchanged.

``load_handlers`` imports the user's module (``inference.py`` by default, or the entry point)
from its source dir, with that dir first on ``sys.path``, picks ``model_fn``/``input_fn``/
``predict_fn``/``output_fn`` or ``transform_fn`` (both kinds at once is an error, as in the
toolkit's Transformer), fills the gaps with defaults, and calls ``model_fn(model_dir)``.
With no script at all the model folder must hold one joblib/pickle file, served with the
default codecs and ``model.predict``.

``Handlers.invoke`` runs one request and maps failures to HTTP statuses so the worker can
answer cleanly and stay up: an exception carrying an int ``status_code`` (the toolkit's
``BaseInferenceToolkitError`` does) keeps it, an unsupported content type is 415, an
unsupported accept 406, anything raised while decoding the body (input_fn) is 400, a
``ValueError`` later on is 400 too (the request's data does not fit the model: wrong number
of features...), and anything else is a 500 "ModelError" carrying the exception's message.
Handler functions may take one extra trailing ``context`` argument, as in the toolkit.
The defaults depend on the model's framework where SageMaker's containers differ
(``frameworks``: XGBoost DMatrix decoding, PyTorch tensors under ``no_grad``): the framework
the endpoint was deployed for (``framework``) when it names one, else the loaded object's.
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exc_text import describe as _exc_line
from . import codecs, frameworks

MODEL_FILE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".sav")
HANDLER_NAMES = ("model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn")


class InvocationError(Exception):
    """A failed request: the status to answer and a message the caller can act on."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class ModelLoadError(Exception):
    """The model could not be loaded; the message becomes the endpoint's FailureReason."""


@dataclass
class Context:
    """The optional last argument of a handler function (the toolkit passes its MMS context)."""

    model_dir: str
    variant: str
    system_properties: dict[str, Any] = field(default_factory=dict)
    request_headers: dict[str, str] = field(default_factory=dict)


# -- defaults -----------------------------------------------------------------


def find_model_file(model_dir: str) -> Path:
    """The one joblib/pickle file of a model folder (``model.*`` wins when there are several)."""
    root = Path(model_dir)
    found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MODEL_FILE_SUFFIXES and "code" not in p.relative_to(root).parts[:-1])
    if not found:
        raise ModelLoadError(
            f"no model_fn in the inference script and no .joblib/.pkl model file in {model_dir}: "
            "define model_fn(model_dir), or save the model with "
            "joblib.dump(model, os.path.join(os.environ['SM_MODEL_DIR'], 'model.joblib'))"
        )
    preferred = [p for p in found if p.stem == "model"] or found
    if len(preferred) > 1:
        names = ", ".join(str(p.relative_to(root)) for p in preferred)
        raise ModelLoadError(f"several model files in {model_dir} ({names}): keep one, or define model_fn to choose")
    return preferred[0]


def default_model_fn(model_dir: str) -> Any:
    path = find_model_file(model_dir)
    import joblib  # handles plain pickles too

    return joblib.load(path)


def default_input_fn(body: Any, content_type: str) -> Any:
    return codecs.decode(body, content_type)


def default_predict_fn(data: Any, model: Any) -> Any:
    """``model.predict(data)``; one row sent as a flat vector is reshaped to a 1-row matrix."""
    n_features = getattr(model, "n_features_in_", None)
    if getattr(data, "ndim", None) == 1 and n_features is not None and data.shape[0] == n_features:
        data = data.reshape(1, -1)
    predict = getattr(model, "predict", None)
    if predict is None:
        if callable(model):
            return model(data)
        raise TypeError(f"the model ({type(model).__name__}) has no predict method: define predict_fn")
    return predict(data)


def default_output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
    return codecs.encode(prediction, accept)


SERVING_IMPORT_HINT = (
    "the entry point is imported (not run) to find model_fn/input_fn/predict_fn/output_fn for serving, "
    "so its training code (argument parsing included) belongs under `if __name__ == \"__main__\":`; "
    "or name another file for serving with --entry-point (entry_point= in the SDK)"
)


class _StderrTee:
    """Copies what an importing module writes to stderr (argparse's usage error) so the
    failure can quote it, while it still reaches the log."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line.strip())
        del self.lines[:-5]
        return self.target.write(text) if self.target is not None else len(text)

    def flush(self) -> None:
        if self.target is not None:
            self.target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


# -- loading ------------------------------------------------------------------


def _arity(fn: Callable[..., Any]) -> int:
    try:
        return len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return -1


class _Bound:
    """A handler function with its calling convention decided once, not per request:
    ``call`` is the function itself, or a closure adding the context as last argument."""

    __slots__ = ("fn", "takes_context", "name", "call")

    def __init__(self, fn: Callable[..., Any], n_args: int, name: str) -> None:
        arity = _arity(fn)
        if arity not in (-1, n_args, n_args + 1):
            raise ModelLoadError(f"{name} takes {arity} arguments; the contract passes {n_args} (and optionally a context)")
        self.fn = fn
        self.takes_context = arity == n_args + 1
        self.name = name
        self.call = fn

    def bind_context(self, context: Any) -> None:
        if self.takes_context:
            fn = self.fn
            self.call = lambda *args: fn(*args, context)


def resolve_module(source_dir: str | None, entry_point: str | None, model_dir: str) -> Path | None:
    """Where the handlers live: entry point in the source dir, else ``inference.py`` there,
    else ``code/inference.py`` inside the model (the layout SageMaker's framework models use)."""
    if entry_point:
        base = Path(source_dir) if source_dir else Path(model_dir) / "code"
        path = Path(entry_point) if Path(entry_point).is_absolute() else base / entry_point
        if not path.is_file():
            raise ModelLoadError(f"entry point {entry_point!r} not found in {base}")
        return path
    for candidate in ([Path(source_dir) / "inference.py"] if source_dir else []) + [
        Path(model_dir) / "code" / "inference.py",
        Path(model_dir) / "inference.py",
    ]:
        if candidate.is_file():
            return candidate
    return None


def _import_module(path: Path) -> Any:
    name = path.stem
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pickles that name classes of the script find them
    tee = _StderrTee(sys.stderr)
    sys.stderr = tee
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, SystemExit):
            said = f" after printing {tee.lines[-1]!r}" if tee.lines else ""
            raise ModelLoadError(f"importing {path.name} raised SystemExit: {exc.code}{said}: {SERVING_IMPORT_HINT}") from exc
        raise ModelLoadError(f"importing {path.name} raised {_describe(exc)}") from exc
    finally:
        if sys.stderr is tee:
            sys.stderr = tee.target
    return module


def _describe(exc: BaseException) -> str:
    """'Type: first line … last line' (bounded): a multi-line message keeps its first line."""
    return _exc_line(exc)


class Handlers:
    """The loaded model and the four (or one) handler functions, ready to serve."""

    def __init__(
        self,
        model_dir: str,
        source_dir: str | None = None,
        entry_point: str | None = None,
        default_accept: str = codecs.JSON,
        variant: str = "AllTraffic",
        framework: str | None = None,
    ) -> None:
        self.model_dir = model_dir
        self.framework = framework  # declared (spec.SERVING_FRAMEWORKS): its container's defaults, whatever model_fn returns
        self.default_accept = default_accept or codecs.JSON
        self.context = Context(model_dir=model_dir, variant=variant, system_properties={"model_dir": model_dir})
        module_path = resolve_module(source_dir, entry_point, model_dir)
        self.module_path = module_path
        module = _import_module(module_path) if module_path else None
        found: dict[str, Callable[..., Any]] = {}
        for name in HANDLER_NAMES if module else ():
            handler = getattr(module, name, None)
            if callable(handler):
                found[name] = handler
        if "transform_fn" in found and ({"input_fn", "predict_fn", "output_fn"} & set(found)):
            others = ", ".join(sorted({"input_fn", "predict_fn", "output_fn"} & set(found)))
            raise ModelLoadError(
                f"{module_path.name if module_path else 'the script'} defines transform_fn together with {others}: "
                "define transform_fn alone, or input_fn/predict_fn/output_fn without it"
            )
        self.user_functions = sorted(found)
        self._found = found
        model_fn = found.get("model_fn") or frameworks.directory_model_fn(model_dir) or default_model_fn
        self._model_fn = _Bound(model_fn, 1, "model_fn")
        self._transform = _Bound(found["transform_fn"], 4, "transform_fn") if "transform_fn" in found else None
        self._input = _Bound(found.get("input_fn", default_input_fn), 2, "input_fn")
        self._predict = _Bound(found.get("predict_fn", default_predict_fn), 2, "predict_fn")
        self._output = _Bound(found.get("output_fn", default_output_fn), 2, "output_fn")
        for bound in (self._model_fn, self._transform, self._input, self._predict, self._output):
            if bound is not None:
                bound.bind_context(self.context)
        try:
            self.model = self._call(self._model_fn, model_dir)
        except ModelLoadError:
            raise
        except BaseException as exc:
            traceback.print_exc()
            raise ModelLoadError(f"model_fn raised {_describe(exc)}") from exc
        self._use_framework_defaults(module)

    def _use_framework_defaults(self, module: Any = None) -> None:
        """Where the script left a stage to the defaults, take the model's framework's."""
        if self._transform is not None:
            return
        n_args = {"input_fn": 2, "predict_fn": 2, "output_fn": 2}
        for name, fn in frameworks.framework_defaults(self.model, module, self.framework).items():
            if name not in self._found:
                setattr(self, f"_{name.split('_')[0]}", _Bound(fn, n_args[name], name))

    def _call(self, bound: _Bound, *args: Any) -> Any:
        return bound.call(*args)

    def invoke(self, body: bytes, content_type: str | None, accept: str | None) -> tuple[bytes, str]:
        """One request: (response body, content type), or raise InvocationError."""
        if not accept or accept.strip() == codecs.ANY:
            accept = self.default_accept
        kind = codecs.media_type(content_type)
        payload: Any = body
        if kind in codecs.TEXT_TYPES or kind.startswith("text/"):
            try:
                payload = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvocationError(400, f"the {kind} body is not UTF-8 text: {exc}") from None
        # The three stages are inlined (not a helper per stage): this runs on every request.
        content_type = content_type or ""
        if self._transform is not None:
            try:
                result = self._transform.call(self.model, payload, content_type, accept)
            except Exception as exc:
                raise self._failure(self._transform, 500, exc) from None
        else:
            stage = self._input
            data = None
            try:
                data = stage.call(payload, content_type)
                stage = self._predict
                prediction = stage.call(data, self.model)
                stage = self._output
                result = stage.call(prediction, accept)
            except Exception as exc:
                raise self._failure(stage, 400 if stage is self._input else 500, exc, data) from None
        if type(result) is tuple and len(result) == 2 and type(result[0]) is bytes and result[1]:
            return result  # the default output_fn's (body, content type): nothing to normalize
        return self._normalize(result, accept)

    def _failure(self, bound: _Bound, status: int, exc: Exception, data: Any = None) -> Exception:
        """The InvocationError for an exception a handler raised (see the module docstring)."""
        try:
            raise exc
        except InvocationError:
            raise
            return exc
        except codecs.UnsupportedFormat:
            return InvocationError(exc.status_code, str(exc))  # type: ignore[attr-defined]  # codecs.UnsupportedFormat carries the HTTP status it maps to
        except TimeoutError:
            return exc
        except codecs.DecodeError:
            return InvocationError(400, str(exc))
        except MemoryError:
            from .runtime.serverless import memory_message

            return InvocationError(500, f"ModelError: {memory_message(bound.name)}")
        except Exception:
            code = getattr(exc, "status_code", None)
            if isinstance(code, int) and 400 <= code < 600:
                return InvocationError(code, f"{bound.name}: {getattr(exc, 'message', None) or exc}")
            # A request whose rows do not fit the model usually fails deep inside it (a shape
            # error in torch, a check in XGBoost): say how many features the model expects.
            hint = frameworks.feature_hint(self.model, data) if bound is self._predict else ""
            if hint and "expect" in str(exc):  # the message already says it
                hint = ""
            if status == 400 or isinstance(exc, ValueError):
                return InvocationError(400, f"{bound.name} could not handle the request: {_describe(exc)}{hint}")
            traceback.print_exception(exc)
            return InvocationError(500, f"ModelError: {bound.name} raised {_describe(exc)}{hint}")

    @staticmethod
    def _normalize(result: Any, accept: str) -> tuple[bytes, str]:
        content_type = None
        if isinstance(result, tuple) and len(result) == 2:
            result, content_type = result
        elif callable(getattr(result, "get_data", None)) and getattr(result, "mimetype", None):
            # A Flask-style response (the containers library's worker.Response).
            result, content_type = result.get_data(), result.mimetype
        if content_type is None:
            candidates = codecs.accept_candidates(accept)
            content_type = candidates[0] if candidates and candidates[0] != codecs.ANY else codecs.JSON
        if isinstance(result, str):
            return result.encode("utf-8"), content_type
        if isinstance(result, (bytes, bytearray, memoryview)):
            return bytes(result), content_type
        # A handler that returns a plain object: answer JSON rather than fail the request.
        return codecs.encode(result, codecs.JSON)[0], codecs.JSON


def model_env(model_dir: str, source_dir: str | None, module: Path | None) -> dict[str, str]:
    """Variables SageMaker's serving containers set, for scripts that read them."""
    env = {"SM_MODEL_DIR": model_dir}
    if module is not None:
        env["SAGEMAKER_PROGRAM"] = module.name
        env["SAGEMAKER_SUBMIT_DIRECTORY"] = str(module.parent)
    elif source_dir:
        env["SAGEMAKER_SUBMIT_DIRECTORY"] = source_dir
    return env


def declared_framework(env: Mapping[str, str]) -> str | None:
    """The framework an endpoint or transform job was deployed for (``LABSTUDIO_SERVING_FRAMEWORK``
    in its environment, set by the SDK's framework classes), or None; a value the model server
    does not know fails the load with the choices."""
    from ..errors import Invalid
    from .spec import SERVING_FRAMEWORK_ENV, check_serving_framework

    try:
        return check_serving_framework(env.get(SERVING_FRAMEWORK_ENV))
    except Invalid as exc:
        raise ModelLoadError(exc.message) from None


def apply_env(env: dict[str, str]) -> None:
    os.environ.update(env)
