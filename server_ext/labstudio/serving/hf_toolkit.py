"""The SageMaker Hugging Face inference toolkit's defaults, in the worker.

With no ``model_fn``, the toolkit builds a ``transformers`` pipeline from the model folder:
the task is ``HF_TASK`` when set, else inferred from ``config.json``'s architecture
(``...ForSequenceClassification`` -> text-classification and so on). Requests are decoded
to a dict (JSON as is; CSV with a header row naming ``inputs``, or ``question``/``context``,
becomes ``{"inputs": [...]}``), the pipeline is called as ``pipeline(inputs, **parameters)``
with ``inputs``/``parameters`` taken from that dict (a body without ``inputs`` is the input
itself), and the result is encoded as JSON (NumPy values made plain), CSV (one row per dict)
or NPY. The script may replace any of ``model_fn``/``input_fn``/``predict_fn``/``output_fn``
(or ``transform_fn``); a ``model_fn`` returning a pipeline keeps the other defaults.
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import codecs

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "tf_model.h5", "model.safetensors.index.json", "pytorch_model.bin.index.json")
# Architecture suffix -> pipeline task, longest suffix first (as the toolkit infers it).
ARCHITECTURE_TASKS = (
    ("ForSequenceClassification", "text-classification"),
    ("ForTokenClassification", "token-classification"),
    ("ForQuestionAnswering", "question-answering"),
    ("ForMaskedLM", "fill-mask"),
    ("ForCausalLM", "text-generation"),
    ("LMHeadModel", "text-generation"),
    ("ForConditionalGeneration", "text2text-generation"),
    ("ForImageClassification", "image-classification"),
    ("ForAudioClassification", "audio-classification"),
    ("ForCTC", "automatic-speech-recognition"),
    ("Model", "feature-extraction"),
)
CSV_HEADERS = ("inputs", "question", "context")


def is_transformers_dir(model_dir: str) -> bool:
    """A folder the toolkit would serve: HF_TASK set, or a config.json next to weights."""
    root = Path(model_dir)
    if not root.is_dir():
        return False
    if os.environ.get("HF_TASK"):
        return True
    return (root / "config.json").is_file() and any((root / name).is_file() for name in WEIGHT_FILES)


def infer_task(model_dir: str) -> str:
    """The pipeline task for a model folder without HF_TASK, from its config's architecture."""
    config_path = Path(model_dir) / "config.json"
    try:
        architectures = json.loads(config_path.read_text()).get("architectures") or []
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {config_path} to infer the task ({exc}): set HF_TASK in the model's env") from None
    for arch in architectures:
        for suffix, task in ARCHITECTURE_TASKS:
            if arch.endswith(suffix):
                return task
    raise ValueError(
        f"cannot infer the pipeline task from the architecture(s) {architectures or 'none'} in {config_path}: "
        "set HF_TASK in the model's env (env={'HF_TASK': 'text-classification'}, for instance)"
    )


def model_fn(model_dir: str) -> Any:
    """A ``transformers.pipeline`` for the model folder, on the CPU (as the toolkit without a GPU)."""
    import transformers

    task = os.environ.get("HF_TASK") or infer_task(model_dir)
    # The task is a runtime string: the typed overloads (one per literal task) cannot apply.
    build: Callable[..., Any] = transformers.pipeline
    return build(task=task, model=model_dir, device=-1)


def input_fn(body: Any, content_type: str) -> Any:
    kind = codecs.media_type(content_type) or codecs.JSON
    if kind == codecs.JSON:
        try:
            return json.loads(body)
        except ValueError as exc:
            raise codecs.DecodeError(f"the Hugging Face JSON decoder could not read the body: {exc}") from None
    if kind == codecs.CSV:
        return _csv_inputs(body if isinstance(body, str) else bytes(body).decode("utf-8"))
    if kind == codecs.NPY:
        return codecs.decode(body, kind)
    raise codecs.UnsupportedFormat(
        f"Content-Type {kind!r} is not supported by the Hugging Face default input_fn: send application/json "
        "(or text/csv with an inputs header row), or define input_fn in the inference script",
        415,
    )


def _csv_inputs(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    if not lines or not any(name in lines[0].lower() for name in CSV_HEADERS):
        raise codecs.DecodeError("the Hugging Face CSV decoder needs a header row naming an inputs column (or question and context)")
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and "inputs" in rows[0]:
        return {"inputs": [row["inputs"] for row in rows]}
    return {"inputs": rows}


def predict_fn(data: Any, model: Any) -> Any:
    """``model(inputs, **parameters)`` with both taken from the decoded request."""
    if isinstance(data, dict):
        inputs = data.pop("inputs", data)
        parameters = data.pop("parameters", None)
    else:
        inputs, parameters = data, None
    if parameters is not None:
        if not isinstance(parameters, dict):
            raise ValueError(f"'parameters' must be a JSON object of pipeline arguments, not {type(parameters).__name__}")
        return model(inputs, **parameters)
    return model(inputs)


def _plain(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
    kind = codecs.media_type(accept) or codecs.JSON
    if kind in (codecs.JSON, codecs.ANY):
        return json.dumps(prediction, ensure_ascii=False, allow_nan=False, default=_plain, separators=(",", ":")).encode("utf-8"), codecs.JSON
    if kind == codecs.CSV:
        rows = prediction if isinstance(prediction, list) else [prediction]
        if not rows or not all(isinstance(row, dict) for row in rows):
            raise ValueError("the Hugging Face CSV encoder writes one row per result object: this prediction is not a list of objects")
        stream = io.StringIO()
        writer = csv.DictWriter(stream, list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
        return stream.getvalue().encode("utf-8"), codecs.CSV
    if kind == codecs.NPY:
        return codecs.encode(prediction, kind)
    raise codecs.UnsupportedFormat(
        f"Accept {kind!r} is not supported by the Hugging Face default output_fn: ask for application/json, text/csv "
        "or application/x-npy, or define output_fn in the inference script",
        406,
    )


def handlers() -> dict[str, Callable[..., Any]]:
    return {"input_fn": input_fn, "predict_fn": predict_fn, "output_fn": output_fn}
