"""SageMaker's ``ModelMetrics`` and ``MetricsSource``: where the documents that judge a model are.

A ``MetricsSource`` names one document (its content type and URI: a local path, ``file://``
or ``s3://``); ``ModelMetrics`` groups them the way CreateModelPackage takes them. The
registry checks every document exists when the package is registered, and reads the numbers
of the model-quality statistics (shown with each version, side by side).
"""
from __future__ import annotations

from typing import Any


class MetricsSource:
    """One metrics document: ``content_type`` (e.g. application/json), ``s3_uri``, optional ``content_digest``."""

    def __init__(self, content_type: str, s3_uri: str, content_digest: str | None = None) -> None:
        self.content_type = content_type
        self.s3_uri = s3_uri
        self.content_digest = content_digest

    def _to_request_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ContentType": self.content_type, "S3Uri": self.s3_uri}
        if self.content_digest is not None:
            out["ContentDigest"] = self.content_digest
        return out

    def __repr__(self) -> str:
        return f"MetricsSource(content_type={self.content_type!r}, s3_uri={self.s3_uri!r})"


class FileSource:
    """A file the drift-check baselines name (SageMaker's ``FileSource``): its URI, digest, type."""

    def __init__(self, s3_uri: str, content_digest: str | None = None, content_type: str | None = None) -> None:
        self.s3_uri = s3_uri
        self.content_digest = content_digest
        self.content_type = content_type

    def _to_request_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"S3Uri": self.s3_uri}
        if self.content_digest is not None:
            out["ContentDigest"] = self.content_digest
        if self.content_type is not None:
            out["ContentType"] = self.content_type
        return out


class ModelMetrics:
    """The documents of a model package, by what they measure: model quality (statistics,
    constraints), data quality (statistics, constraints), bias reports, explainability."""

    _LAYOUT = (
        ("ModelQuality", "Statistics", "model_statistics"),
        ("ModelQuality", "Constraints", "model_constraints"),
        ("ModelDataQuality", "Statistics", "model_data_statistics"),
        ("ModelDataQuality", "Constraints", "model_data_constraints"),
        ("Bias", "Report", "bias"),
        ("Bias", "PreTrainingReport", "bias_pre_training"),
        ("Bias", "PostTrainingReport", "bias_post_training"),
        ("Explainability", "Report", "explainability"),
    )

    def __init__(
        self,
        model_statistics: MetricsSource | None = None,
        model_constraints: MetricsSource | None = None,
        model_data_statistics: MetricsSource | None = None,
        model_data_constraints: MetricsSource | None = None,
        bias: MetricsSource | None = None,
        explainability: MetricsSource | None = None,
        bias_pre_training: MetricsSource | None = None,
        bias_post_training: MetricsSource | None = None,
    ) -> None:
        self.model_statistics = model_statistics
        self.model_constraints = model_constraints
        self.model_data_statistics = model_data_statistics
        self.model_data_constraints = model_data_constraints
        self.bias = bias
        self.explainability = explainability
        self.bias_pre_training = bias_pre_training
        self.bias_post_training = bias_post_training

    def _to_request_dict(self) -> dict[str, Any]:
        """CreateModelPackage's ModelMetrics (sections without a document are left out)."""
        out: dict[str, Any] = {}
        for section, document, attribute in self._LAYOUT:
            source = getattr(self, attribute)
            if source is None:
                continue
            if not isinstance(source, MetricsSource):
                raise ValueError(f"ModelMetrics {attribute} must be a MetricsSource, got {type(source).__name__}")
            out.setdefault(section, {})[document] = source._to_request_dict()
        return out


__all__ = ["ModelMetrics", "MetricsSource", "FileSource"]
