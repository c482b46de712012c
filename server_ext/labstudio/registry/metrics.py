"""A model package's ModelMetrics: SageMaker's references to statistics, constraints and
report documents, checked when the package is registered and read when it is shown.

The numbers of the model-quality statistics document are read once, at registration, and
kept with the package: a listing of a thousand versions shows them side by side without
opening a thousand files. Both SageMaker's model-quality layout
(`{"regression_metrics": {"mse": {"value": 4.2, "standard_deviation": 0.1}}}`) and a flat
evaluation report (`{"accuracy": 0.93}`) are understood.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import Invalid

SECTIONS: dict[str, tuple[str, ...]] = {
    "ModelQuality": ("Statistics", "Constraints"),
    "ModelDataQuality": ("Statistics", "Constraints"),
    "Bias": ("Report", "PreTrainingReport", "PostTrainingReport"),
    "Explainability": ("Report",),
}
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_VALUES = 200
_SKIP = {"version", "dataset", "standard_deviation", "confusion_matrix", "receiver_operating_characteristic_curve",
         "precision_recall_curve", "thresholds"}


def sources(model_metrics: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(section, document, MetricsSource) of every document a ModelMetrics names."""
    out = []
    for section, documents in SECTIONS.items():
        block = model_metrics.get(section) or {}
        for document in documents:
            source = block.get(document)
            if source:
                out.append((section, document, dict(source)))
    return out


def clean(model_metrics: Mapping[str, Any]) -> dict[str, Any]:
    """ModelMetrics without empty sections (the SageMaker SDK always sends `Bias: {}`)."""
    out: dict[str, Any] = {}
    for section, document, source in sources(model_metrics):
        out.setdefault(section, {})[document] = {k: v for k, v in source.items() if v is not None}
    return out


def _read(uri: str, limit: int) -> bytes:
    from ..artifacts import is_local, local_path, open_uri

    if is_local(uri):
        path = local_path(uri)
        if not path.is_file():
            raise FileNotFoundError(str(path))
        if path.stat().st_size > limit:
            raise ValueError(f"it is larger than {limit} bytes")
    with open_uri(uri) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"it is larger than {limit} bytes")
    return data


def check(model_metrics: Mapping[str, Any], confine: Callable[[str, str], str] | None = None) -> tuple[dict[str, Any], dict[str, float]]:
    """ModelMetrics checked (every document exists and can be read; JSON documents parse) and the
    numbers of its model-quality statistics. `confine(uri, field)` refuses a path a REST client may
    not name and may rewrite it (a relative path against the Jupyter root). Raises Invalid naming the document."""
    metrics = clean(model_metrics)
    values: dict[str, float] = {}
    for section, document, source in sources(metrics):
        field = f"ModelMetrics.{section}.{document}.S3Uri"
        uri = str(source.get("S3Uri") or "")
        if not uri:
            raise Invalid(f"{field} is required: the URI or path of the {document.lower()} document.", field=field)
        if confine is not None:
            uri = confine(uri, field)
            metrics[section][document]["S3Uri"] = uri
        try:
            data = _read(uri, MAX_DOCUMENT_BYTES)
        except FileNotFoundError:
            raise Invalid(f"{field} {uri!r} does not exist; write the {document.lower()} document first, or fix the path.", field=field) from None
        except (OSError, ValueError) as exc:
            raise Invalid(f"{field} {uri!r} cannot be read: {exc}.", field=field) from None
        if "json" in str(source.get("ContentType") or "").lower() or uri.lower().endswith(".json"):
            try:
                parsed = json.loads(data)
            except ValueError as exc:
                raise Invalid(f"{field} {uri!r} is not valid JSON ({exc}); ModelMetrics documents are JSON.", field=field) from None
            if section == "ModelQuality" and document == "Statistics":
                values = numbers(parsed)
    return metrics, values


def numbers(document: Any) -> dict[str, float]:
    """The named numbers of a statistics document: `mse` from `{"regression_metrics": {"mse":
    {"value": 4.2}}}`, `accuracy` from `{"accuracy": 0.93}`; curves, matrices and counts are left out."""
    out: dict[str, float] = {}
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack and len(out) < MAX_VALUES:
        path, value, depth = stack.pop()
        if isinstance(value, Mapping):
            inner = value.get("value")
            if path and isinstance(inner, (int, float)) and _is_number(inner):
                out[path] = float(inner)
                continue
            if depth >= 4:
                continue
            for key in sorted(value, reverse=True):
                if str(key) in _SKIP:
                    continue
                part = str(key)
                if not path and part.endswith("_metrics"):
                    stack.append(("", value[key], depth + 1))  # regression_metrics.mse -> mse
                    continue
                stack.append((f"{path}.{part}" if path else part, value[key], depth + 1))
        elif path and _is_number(value):
            out[path] = float(value)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))


def documents(model_metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Every document of a ModelMetrics, read for showing: parsed JSON, else text; a document
    that is gone or unreadable says why instead of failing the whole answer."""
    out: dict[str, Any] = {}
    for section, document, source in sources(model_metrics):
        entry: dict[str, Any] = {"ContentType": source.get("ContentType"), "S3Uri": source.get("S3Uri"), "Document": None, "Error": None}
        try:
            data = _read(str(source.get("S3Uri") or ""), 1024 * 1024)
            try:
                entry["Document"] = json.loads(data)
            except ValueError:
                entry["Document"] = data.decode("utf-8", "replace")
        except FileNotFoundError:
            entry["Error"] = "the document no longer exists"
        except (OSError, ValueError) as exc:
            entry["Error"] = f"the document cannot be read: {exc}"
        out.setdefault(section, {})[document] = entry
    return out


def metrics_file(path: str, base: Path) -> dict[str, Any]:
    """ModelMetrics from one statistics file (the CLI's and magic's --metrics FILE)."""
    resolved = (base / Path(path).expanduser()).resolve() if "://" not in path else None
    uri = str(resolved) if resolved is not None else path
    return {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": uri}}}
