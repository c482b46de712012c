"""``fit()`` inputs to job channels: a path or ``file://`` URI, a dict of them, or TrainingInput.

SageMaker names a lone input the ``training`` channel; we do the same so scripts reading
``SM_CHANNEL_TRAINING`` work unchanged.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_CHANNEL = "training"


class TrainingInput:
    """SageMaker's ``TrainingInput``: only the data location matters locally (File mode)."""

    def __init__(self, s3_data: str, distribution: str | None = None, compression: str | None = None,
                 content_type: str | None = None, record_wrapping: str | None = None, s3_data_type: str = "S3Prefix",
                 input_mode: str | None = None, **kwargs: Any) -> None:
        self.config: dict[str, Any] = {
            "DataSource": {"S3DataSource": {"S3DataType": s3_data_type, "S3Uri": s3_data}},
        }
        if content_type:
            self.config["ContentType"] = content_type
        if input_mode:
            self.config["InputMode"] = input_mode

    def __repr__(self) -> str:
        return f"TrainingInput({location(self)!r})"


class TransformInput:
    """SageMaker's ``TransformInput`` (what a TransformStep's older form takes): the data and how to read it."""

    def __init__(self, data: Any, data_type: str = "S3Prefix", content_type: str | None = None, compression_type: str | None = None,
                 split_type: str | None = None, input_filter: str | None = None, output_filter: str | None = None,
                 join_source: str | None = None, model_client_config: Any = None, batch_data_capture_config: Any = None) -> None:
        self.data = data
        self.data_type = data_type
        self.content_type = content_type
        self.compression_type = compression_type
        self.split_type = split_type
        self.input_filter = input_filter
        self.output_filter = output_filter
        self.join_source = join_source
        self.model_client_config = model_client_config
        self.batch_data_capture_config = batch_data_capture_config

    def __repr__(self) -> str:
        return f"TransformInput(data={self.data!r})"


class CreateModelInput:
    """SageMaker's ``CreateModelInput`` (the older CreateModelStep's inputs): accepted; locally a model needs no instance."""

    def __init__(self, instance_type: str | None = None, accelerator_type: str | None = None) -> None:
        self.instance_type = instance_type
        self.accelerator_type = accelerator_type


def file_uri_path(text: str) -> str:
    """A local path from `file:///abs`, `file://./rel` or `file:./rel` (the SDK parses output
    paths with urlparse, so drivers write all three), else the text unchanged."""
    if text.startswith("file://"):
        return text[len("file://"):]
    if text.startswith("file:"):
        return text[len("file:"):]
    return text


def location(value: Any) -> str:
    """The path or URI of one channel input (str, os.PathLike, or a TrainingInput-like object)."""
    if isinstance(value, str):
        return value
    if hasattr(value, "__fspath__"):
        return str(value.__fspath__())
    config = getattr(value, "config", None)
    if isinstance(config, Mapping):
        source = config.get("DataSource", {})
        for key, field in (("S3DataSource", "S3Uri"), ("FileDataSource", "FileUri"), ("FileSystemDataSource", "DirectoryPath")):
            if key in source and field in source[key]:
                return str(source[key][field])
    for attr in ("s3_data", "file_uri", "uri"):
        if isinstance(getattr(value, attr, None), str):
            return str(getattr(value, attr))
    raise ValueError(
        f"cannot use {type(value).__name__} as a training input: give a local path, a file:// URI, "
        "a TrainingInput, or a dict of channel name to one of those"
    )


def channels(inputs: Any) -> dict[str, str]:
    if inputs is None:
        return {}
    if isinstance(inputs, Mapping):
        return {str(name): location(value) for name, value in inputs.items()}
    return {DEFAULT_CHANNEL: location(inputs)}


def content_types(inputs: Any) -> dict[str, str]:
    """Each channel's ContentType, for the inputs given as TrainingInput(content_type=...)."""
    if inputs is None:
        return {}
    items = inputs.items() if isinstance(inputs, Mapping) else [(DEFAULT_CHANNEL, inputs)]
    out: dict[str, str] = {}
    for name, value in items:
        config = getattr(value, "config", None)
        if isinstance(config, Mapping) and isinstance(config.get("ContentType"), str) and config["ContentType"]:
            out[str(name)] = config["ContentType"]
    return out
