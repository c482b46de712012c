"""Errors a script raises to answer a request with a given HTTP status (the model server keeps it)."""
from __future__ import annotations


class UnsupportedFormatError(Exception):
    """A content type or accept type the (default) handlers cannot handle: HTTP 415."""

    status_code = 415

    def __init__(self, content_type: str, **kwargs: object) -> None:
        self.content_type = content_type
        self._message = (
            f"Content type {content_type} is not supported by this framework. "
            "Please implement input_fn/output_fn to handle it, or send one of the supported types."
        )
        super().__init__(self._message)

    def __str__(self) -> str:
        return self._message


class BaseInferenceToolkitError(Exception):
    """An error carrying the status code, message and reason phrase of the answer."""

    def __init__(self, status_code: int, message: str, phrase: str) -> None:
        self.status_code = status_code
        self.message = message
        self.phrase = phrase
        super().__init__(status_code, message, phrase)


class GenericInferenceToolkitError(BaseInferenceToolkitError):
    def __init__(self, status_code: int, message: str | None = None, phrase: str | None = None) -> None:
        message = message or "Invalid Request"
        super().__init__(status_code, message, phrase or message)
