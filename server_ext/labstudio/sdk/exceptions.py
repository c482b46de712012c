"""Exceptions with SageMaker's names, so ``except UnexpectedStatusException`` keeps working."""
from __future__ import annotations

from collections.abc import Sequence


class UnexpectedStatusException(ValueError):
    """A training job (or endpoint) ended in a status the caller did not expect."""

    def __init__(self, message: str, allowed_statuses: Sequence[str], actual_status: str) -> None:
        super().__init__(message)
        self.allowed_statuses = list(allowed_statuses)
        self.actual_status = actual_status


class ModelError(Exception):
    """The model server answered an invocation with an error (SageMaker raises botocore's ModelError)."""

    def __init__(self, message: str, status_code: int, body: bytes, content_type: str | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.content_type = content_type
