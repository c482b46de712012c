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


class AsyncInferenceError(Exception):
    """SageMaker's base of the asynchronous-inference errors: the message is built from keyword fields."""

    fmt = "An unspecified error occurred"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(self.fmt.format(**kwargs))
        self.kwargs = kwargs


class ObjectNotExistedError(AsyncInferenceError):
    """Neither the result nor an error is there yet (the request may still be queued or running)."""

    fmt = "Object not exist at {output_path}. {message}"

    def __init__(self, message: str, output_path: str) -> None:
        super().__init__(message=message, output_path=output_path)


class PollingTimeoutError(AsyncInferenceError):
    """The waiter ran out of attempts before a result or an error appeared."""

    fmt = "No result at {output_path} after polling for {seconds} seconds. {message}"

    def __init__(self, message: str, output_path: str, seconds: float) -> None:
        super().__init__(message=message, output_path=output_path, seconds=seconds)


class UnexpectedClientError(AsyncInferenceError):
    """Reading the result failed for another reason than its absence."""

    fmt = "Encountered unexpected client error: {message}"

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


class AsyncInferenceModelError(AsyncInferenceError):
    """The model answered the request with an error (what is at the failure location)."""

    fmt = "Model returned error: {message} "

    def __init__(self, message: str) -> None:
        super().__init__(message=message)
