"""The one error path and the small conveniences every REST handler shares.

Handlers parse HTTP and answer; services do the work in a thread pool so the event loop
never waits on the database or on process calls.
"""
from __future__ import annotations

import asyncio
import functools
import json
from typing import Any, Callable, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..core import Core
from ..errors import Invalid, LabstudioError

T = TypeVar("T")


class LabstudioHandler(APIHandler):
    """Base of every labstudio REST handler: typed errors become JSON with the right status."""

    @property
    def core(self) -> Core:
        return self.settings["labstudio_core"]

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.settings["labstudio_executor"], functools.partial(fn, *args, **kwargs))

    def json_body(self) -> dict[str, Any]:
        raw = self.request.body or b""
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise Invalid(f"The request body is not valid JSON ({exc}). Send a JSON object.") from None
        if not isinstance(body, dict):
            raise Invalid("The request body must be a JSON object.")
        return body

    def int_argument(self, name: str, default: int | None, *, minimum: int = 0, maximum: int | None = None) -> int | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise Invalid(f"Query parameter '{name}' must be a whole number, got {raw!r}.", field=name) from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise Invalid(f"Query parameter '{name}' must be {bound}, got {value}.", field=name)
        return value

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, allow_nan=False, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, LabstudioError):
            self.set_status(exc.status_code)
            body = exc.to_json()
        elif isinstance(exc, web.HTTPError):
            body = {"message": exc.log_message or self._reason}
        else:
            body = {"message": f"Internal error in labstudio: {type(exc).__name__}: {exc}" if exc else self._reason}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, default=str))

    def log_exception(self, typ, value, tb):  # type: ignore[no-untyped-def]
        if isinstance(value, LabstudioError) and value.status_code < 500:
            self.log.info("labstudio %s: %s", value.status_code, value.message)
            return
        super().log_exception(typ, value, tb)
