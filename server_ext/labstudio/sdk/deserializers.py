"""Deserializers with the SageMaker SDK's names and semantics (``sagemaker.deserializers``).

A Predictor asks for ``ACCEPT`` (a tuple of media types) and hands the response body as a
stream plus its content type to ``deserialize``; as in SageMaker the stream is closed after.
Content-type parameters (``; charset=utf-8``) are ignored when matching.
"""
from __future__ import annotations

import abc
import codecs
import csv
import io
import json
from collections.abc import Sequence
from typing import Any, BinaryIO

from .compat import deprecated_alias

__all__ = [
    "BaseDeserializer",
    "SimpleBaseDeserializer",
    "BytesDeserializer",
    "StringDeserializer",
    "StreamDeserializer",
    "CSVDeserializer",
    "JSONDeserializer",
    "NumpyDeserializer",
    "PandasDeserializer",
    "csv_deserializer",
    "json_deserializer",
    "numpy_deserializer",
]


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class BaseDeserializer(abc.ABC):
    @abc.abstractmethod
    def deserialize(self, stream: BinaryIO, content_type: str) -> Any:
        ...

    @property
    @abc.abstractmethod
    def ACCEPT(self) -> tuple[str, ...]:  # SageMaker's name
        ...


class SimpleBaseDeserializer(BaseDeserializer):
    def __init__(self, accept: str | Sequence[str] = "*/*") -> None:
        self.accept = accept

    @property
    def ACCEPT(self) -> tuple[str, ...]:  # SageMaker's name
        return (self.accept,) if isinstance(self.accept, str) else tuple(self.accept)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(accept={self.accept!r})"


class BytesDeserializer(SimpleBaseDeserializer):
    """The raw body: the default of a plain ``Predictor``."""

    def deserialize(self, stream: BinaryIO, content_type: str) -> bytes:
        try:
            return stream.read()
        finally:
            stream.close()


class StringDeserializer(SimpleBaseDeserializer):
    def __init__(self, encoding: str = "UTF-8", accept: str | Sequence[str] = "application/json") -> None:
        super().__init__(accept=accept)
        self.encoding = encoding

    def deserialize(self, stream: BinaryIO, content_type: str) -> str:
        try:
            return stream.read().decode(self.encoding)
        finally:
            stream.close()


class StreamDeserializer(SimpleBaseDeserializer):
    """``(stream, content_type)``: the caller reads and closes the stream."""

    def deserialize(self, stream: BinaryIO, content_type: str) -> tuple[BinaryIO, str]:
        return stream, content_type


class CSVDeserializer(SimpleBaseDeserializer):
    """A list of rows, each a list of strings (``csv.reader``), as in SageMaker."""

    def __init__(self, encoding: str = "utf-8", accept: str | Sequence[str] = "text/csv") -> None:
        super().__init__(accept=accept)
        self.encoding = encoding

    def deserialize(self, stream: BinaryIO, content_type: str) -> list[list[str]]:
        try:
            decoded = stream.read().decode(self.encoding)
            return list(csv.reader(io.StringIO(decoded)))
        finally:
            stream.close()


class JSONDeserializer(SimpleBaseDeserializer):
    def __init__(self, accept: str | Sequence[str] = "application/json") -> None:
        super().__init__(accept=accept)

    def deserialize(self, stream: BinaryIO, content_type: str) -> Any:
        try:
            return json.load(codecs.getreader("utf-8")(stream))
        finally:
            stream.close()


class NumpyDeserializer(SimpleBaseDeserializer):
    """A NumPy array from CSV, JSON, NPY or NPZ bodies (what SageMaker's SKLearnPredictor returns)."""

    def __init__(self, dtype: Any = None, accept: str | Sequence[str] = "application/x-npy", allow_pickle: bool = True) -> None:
        super().__init__(accept=accept)
        self.dtype = dtype
        self.allow_pickle = allow_pickle

    def deserialize(self, stream: BinaryIO, content_type: str) -> Any:
        import numpy as np

        kind = _media(content_type)
        try:
            if kind == "text/csv":
                return np.genfromtxt(codecs.getreader("utf-8")(stream), delimiter=",", dtype=self.dtype)
            if kind == "application/json":
                return np.array(json.load(codecs.getreader("utf-8")(stream)), dtype=self.dtype)
            if kind == "application/x-npy":
                return np.load(io.BytesIO(stream.read()), allow_pickle=self.allow_pickle)
            if kind == "application/x-npz":
                with np.load(io.BytesIO(stream.read()), allow_pickle=self.allow_pickle) as archive:
                    return {key: archive[key] for key in archive.files}
        finally:
            stream.close()
        raise ValueError(f"{type(self).__name__} cannot read content type {content_type}.")


class PandasDeserializer(SimpleBaseDeserializer):
    """A DataFrame from CSV or JSON bodies."""

    def __init__(self, accept: str | Sequence[str] = ("text/csv", "application/json")) -> None:
        super().__init__(accept=accept)

    def deserialize(self, stream: BinaryIO, content_type: str) -> Any:
        import pandas as pd

        kind = _media(content_type)
        try:
            if kind == "text/csv":
                return pd.read_csv(io.BytesIO(stream.read()))
            if kind == "application/json":
                return pd.read_json(io.StringIO(stream.read().decode("utf-8")))
        finally:
            stream.close()
        raise ValueError(f"{type(self).__name__} cannot read content type {content_type}.")


# SageMaker SDK v1 objects, still importable in v2 (from sagemaker.predictor or here).
csv_deserializer = deprecated_alias(CSVDeserializer(), "csv_deserializer", "CSVDeserializer()", "deserialize")
json_deserializer = deprecated_alias(JSONDeserializer(), "json_deserializer", "JSONDeserializer()", "deserialize")
numpy_deserializer = deprecated_alias(NumpyDeserializer(), "numpy_deserializer", "NumpyDeserializer()", "deserialize")
