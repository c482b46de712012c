"""The containers library's errors that scripts catch or raise."""
from __future__ import annotations

from collections.abc import Sequence


class ClientError(Exception):
    """An error in what the caller sent (or configured)."""


class UnsupportedFormatError(Exception):
    """A content or accept type nothing can handle: HTTP 415."""

    status_code = 415

    def __init__(self, content_type: str, **kwargs: object) -> None:
        self.content_type = content_type
        self.message = (
            f"Content type {content_type} is not supported by this framework. "
            "Please implement input_fn/output_fn to handle it, or send one of the supported types."
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ExecuteUserScriptError(Exception):
    """The user's entry point exited with a non-zero code."""

    def __init__(self, cmd: Sequence[str], return_code: int, output: str | None = None) -> None:
        self.cmd = list(cmd)
        self.return_code = return_code
        self.output = output
        message = f"ExecuteUserScriptError: command {' '.join(self.cmd)!r} exited with code {return_code}"
        super().__init__(message + (f"\n{output}" if output else ""))
