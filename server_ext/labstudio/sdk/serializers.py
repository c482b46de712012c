"""Serializers with the SageMaker SDK's names and semantics (``sagemaker.serializers``).

A Predictor calls ``serialize(data)`` and sends the result with ``CONTENT_TYPE``; keeping
SageMaker's exact behaviour (CSV rows joined with newlines, ``.read()`` on file-like input,
empty arrays refused) lets a driver written for SageMaker send the same bytes here.
"""
from __future__ import annotations

import abc
import csv
import io
import json
from typing import Any

from .compat import deprecated_alias

__all__ = [
    "BaseSerializer",
    "SimpleBaseSerializer",
    "CSVSerializer",
    "JSONSerializer",
    "JSONLinesSerializer",
    "NumpySerializer",
    "IdentitySerializer",
    "StringSerializer",
    "LibSVMSerializer",
    "csv_serializer",
    "json_serializer",
    "npy_serializer",
]


def _is_sequence_like(obj: Any) -> bool:
    return hasattr(obj, "__iter__") and hasattr(obj, "__getitem__") and not isinstance(obj, (str, bytes))


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class BaseSerializer(abc.ABC):
    """Abstract: ``serialize(data)`` returns the request body; ``CONTENT_TYPE`` names it."""

    @abc.abstractmethod
    def serialize(self, data: Any) -> Any:
        ...

    @property
    @abc.abstractmethod
    def CONTENT_TYPE(self) -> str:  # SageMaker's name
        ...


class SimpleBaseSerializer(BaseSerializer):
    """A serializer whose content type is fixed at construction."""

    def __init__(self, content_type: str = "application/json") -> None:
        if not isinstance(content_type, str):
            raise ValueError(f"content_type must be a string specifying the MIME type of the data, got {content_type!r}")
        self.content_type = content_type

    @property
    def CONTENT_TYPE(self) -> str:  # SageMaker's name
        return self.content_type

    def __repr__(self) -> str:
        return f"{type(self).__name__}(content_type={self.content_type!r})"


class CSVSerializer(SimpleBaseSerializer):
    """Rows as comma-separated text: a 2-D array or list of lists becomes one line per row."""

    def __init__(self, content_type: str = "text/csv") -> None:
        super().__init__(content_type=content_type)

    def serialize(self, data: Any) -> Any:
        try:
            import pandas as pd

            if isinstance(data, pd.DataFrame):
                return data.to_csv(header=False, index=False).rstrip("\n")
        except ImportError:  # pragma: no cover - pandas is a dependency of the SDK extras
            pass
        if hasattr(data, "read"):
            return data.read()
        if isinstance(data, str):
            return data
        is_rows = _is_sequence_like(data) and len(data) > 0 and _is_sequence_like(data[0])
        if is_rows:
            return "\n".join(self._serialize_row(row) for row in data)
        return self._serialize_row(data)

    @staticmethod
    def _serialize_row(data: Any) -> str:
        if isinstance(data, str):
            return data
        if hasattr(data, "flatten") and hasattr(data, "ndim"):  # numpy array
            data = data.flatten()
        if hasattr(data, "__len__"):
            if len(data) == 0:
                raise ValueError("Cannot serialize empty array")
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=",").writerow(data)
            return buffer.getvalue().rstrip("\r\n")
        raise ValueError(f"Unable to handle input format: {type(data)}")


class JSONSerializer(SimpleBaseSerializer):
    """JSON text; NumPy arrays (also as dict values) become nested lists."""

    def serialize(self, data: Any) -> Any:
        if isinstance(data, dict):
            return json.dumps({k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in data.items()}, default=_json_default)
        if hasattr(data, "read"):
            return data.read()
        if hasattr(data, "tolist"):
            return json.dumps(data.tolist())
        return json.dumps(data, default=_json_default)


class JSONLinesSerializer(SimpleBaseSerializer):
    """One JSON document per line (``application/jsonlines``)."""

    def __init__(self, content_type: str = "application/jsonlines") -> None:
        super().__init__(content_type=content_type)

    def serialize(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        if hasattr(data, "read"):
            return data.read()
        return "\n".join(json.dumps(item, default=_json_default) for item in data)


class NumpySerializer(SimpleBaseSerializer):
    """The ``.npy`` format: exact dtypes and shapes, what SageMaker's SKLearnPredictor sends."""

    def __init__(self, dtype: Any = None, content_type: str = "application/x-npy") -> None:
        super().__init__(content_type=content_type)
        self.dtype = dtype

    def serialize(self, data: Any) -> Any:
        import numpy as np

        if isinstance(data, np.ndarray):
            if data.size == 0:
                raise ValueError("Cannot serialize empty array.")
            return self._serialize_array(data if self.dtype is None else data.astype(self.dtype))
        if isinstance(data, list):
            if len(data) == 0:
                raise ValueError("Cannot serialize empty array.")
            return self._serialize_array(np.array(data, self.dtype))
        if hasattr(data, "read"):
            return data.read()
        return self._serialize_array(np.array(data, self.dtype))

    @staticmethod
    def _serialize_array(array: Any) -> bytes:
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()


class IdentitySerializer(SimpleBaseSerializer):
    """The data as it is (bytes or text): the default of a plain ``Predictor``, as in SageMaker."""

    def __init__(self, content_type: str = "application/octet-stream") -> None:
        super().__init__(content_type=content_type)

    def serialize(self, data: Any) -> Any:
        return data


class StringSerializer(SimpleBaseSerializer):
    """``str(data)`` as text."""

    def __init__(self, content_type: str = "text/plain") -> None:
        super().__init__(content_type=content_type)

    def serialize(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        raise ValueError(f"{data!r} is not a string; StringSerializer only sends text")


class LibSVMSerializer(SimpleBaseSerializer):
    """LibSVM text (``<label> <index>:<value> ...``), what SageMaker's XGBoostPredictor sends.

    As in SageMaker the data must already be LibSVM text (a string or a file-like object):
    turning an array into LibSVM would guess at labels and indices the model was trained with.
    """

    def __init__(self, content_type: str = "text/libsvm") -> None:
        super().__init__(content_type=content_type)

    def serialize(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        if hasattr(data, "read"):
            return data.read()
        raise ValueError(
            f"Unable to handle input format: {type(data)}. LibSVMSerializer sends LibSVM text such as "
            "'0 1:0.5 3:1.2'; for an array use CSVSerializer() or NumpySerializer()."
        )


# SageMaker SDK v1 objects, still importable in v2 (from sagemaker.predictor or here).
csv_serializer = deprecated_alias(CSVSerializer(), "csv_serializer", "CSVSerializer()", "serialize")
json_serializer = deprecated_alias(JSONSerializer(), "json_serializer", "JSONSerializer()", "serialize")
npy_serializer = deprecated_alias(NumpySerializer(), "npy_serializer", "NumpySerializer()", "serialize")
