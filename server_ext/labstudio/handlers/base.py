"""The one error path and the small conveniences every REST handler shares.

Handlers parse HTTP and answer; services do the work in a thread pool so the event loop
never waits on the database or on process calls.

Bad input is refused here, once for every route, before a handler sees it: a body larger
than the handler's limit (413), a body that is not JSON or nests too deep for the parser
(400), text that cannot be stored because it holds a lone UTF-16 surrogate (400), a path or
query argument that is not UTF-8 or holds a NUL character (400). Each answer is JSON ``{"message", "field", "errors"}``:
the first problem, and in ``errors`` every problem the request has (``{"message", "field"}``
each), so a form can mark all its fields at once.
"""
from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Callable
from types import TracebackType, UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel
from tornado import web

from ..core import Core
from ..diskfull import as_disk_full
from ..errors import Invalid, LabstudioError, NotFound, TooLarge, Unavailable
from ..shapes import parse, to_json

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# REST bodies are small JSON documents (a job spec, tags, a run's metrics batch); 16 MiB is
# far above any of them and far below what would hurt the server to parse. The endpoint
# invocation proxy checks the endpoint's own MaxPayloadBytes instead (handlers/endpoints.py).
MAX_JSON_BODY_BYTES = 16 * 1024 * 1024

# A lone surrogate can only reach a JSON string through a \uD800-\uDFFF escape (raw bytes
# that are not UTF-8 already fail json.loads), so bodies without one skip the walk.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate_field(body: Any) -> str | None:
    """The dotted path of the first key or string holding a lone surrogate, if any.

    Iterative, because a body may legally nest hundreds of levels deep.
    """
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _has_surrogate(key):
                    return path or "body"
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


def _is_list(annotation: Any) -> bool:
    """Whether a field's type is a list (`list[X]`, `list[X] | None`)."""
    if get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in get_args(annotation)) if get_origin(annotation) in (Union, UnionType) else False


def _printable(path: str) -> str:
    return path.encode("utf-8", "backslashreplace").decode("utf-8")


class LabstudioHandler(APIHandler):
    """Base of every labstudio REST handler: typed errors become JSON with the right status."""

    # The largest request body this handler accepts; None leaves the check to the handler.
    max_body_bytes: int | None = MAX_JSON_BODY_BYTES

    async def prepare(self) -> None:  # type: ignore[override]  # tornado declares prepare() -> Awaitable | None and awaits a coroutine
        await super().prepare()
        unusable = self.settings.get("labstudio_unavailable")
        if unusable and self.current_user:  # unauthenticated requests still get their 403 from the method
            raise Unavailable(unusable)
        limit = self.max_body_bytes
        if limit is None or self._finished:
            return
        length = self.request.headers.get("Content-Length", "")
        size = int(length) if length.isdigit() else len(self.request.body or b"")
        if size > limit:
            raise TooLarge(
                f"The request body is {size} bytes; this route accepts at most {limit} bytes. Send a smaller body.",
                field="body",
            )

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        """Path and query arguments must be UTF-8; say which one is not instead of a bare 400."""
        field = name or "path"
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"'{field}' is not valid UTF-8 text; percent-encode its UTF-8 bytes.", field=field) from None
        if "\0" in text:  # no name, filter or path holds one, and PostgreSQL cannot even look one up
            raise Invalid(f"'{field}' contains a NUL character (%00), which no name, filter or path can hold; remove it.", field=field)
        return text

    @property
    def core(self) -> Core:
        core = self.settings.get("labstudio_core")
        if core is None:
            raise Unavailable(self.settings.get("labstudio_unavailable") or "labstudio did not start; see the Jupyter server's log.")
        return core

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.settings["labstudio_executor"], functools.partial(fn, *args, **kwargs))

    def json_body(self) -> dict[str, Any]:
        raw = self.request.body or b""
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except RecursionError:
            raise Invalid("The request body nests JSON arrays or objects too deeply to be read. Send a flatter JSON object.", field="body") from None
        except ValueError as exc:
            raise Invalid(f"The request body is not valid JSON ({exc}). Send a JSON object.", field="body") from None
        if not isinstance(body, dict):
            raise Invalid("The request body must be a JSON object.", field="body")
        if _SURROGATE_ESCAPE.search(raw):
            field = _surrogate_field(body)
            if field is not None:
                raise Invalid(
                    f"'{_printable(field)}' holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), "
                    "which is not text. Send valid Unicode.",
                    field=_printable(field),
                )
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

    def query(self, model: type[M]) -> M:
        """The query string as its shape (shapes/): each of the model's fields from the argument
        of that name (other arguments, such as Jupyter's `token`, are not the model's business).
        A list field takes the argument repeated or comma-separated (`kind=a&kind=b`, `kind=a,b`);
        an empty argument counts as absent. Raises Invalid naming the argument, like a body."""
        data: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            values = self.get_query_arguments(name)
            if _is_list(info.annotation):
                items = [part.strip() for value in values for part in value.split(",") if part.strip()]
                if items:
                    data[name] = items
            elif values and values[-1] != "":
                data[name] = values[-1]
        return parse(model, data)

    def reply(self, data: Any, status: int = 200) -> None:
        """Answer JSON: a response shape as `shapes.to_json` gives it (or a plain value)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(to_json(data), allow_nan=False, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        exc = (as_disk_full(exc) or exc) if isinstance(exc, Exception) else exc  # ENOSPC, SQLITE_FULL...: 507, wherever it surfaced
        body: dict[str, object]
        problems: list[tuple[str, str | None]]
        if isinstance(exc, LabstudioError):
            self.set_status(exc.status_code)
            body = exc.to_json()
            problems = exc.problems
        elif isinstance(exc, web.HTTPError):
            body = {"message": exc.log_message or self._reason}
            problems = [(str(body["message"]), None)]
        else:
            body = {"message": f"Internal error in labstudio: {type(exc).__name__}: {exc}" if exc else self._reason}
            problems = [(str(body["message"]), None)]
        # Every problem of the request at once (the first is `message` and `field` above).
        body["errors"] = [{"message": m, "field": f} if f else {"message": m} for m, f in problems]
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, default=str))

    def log_exception(self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(value, LabstudioError) and value.status_code < 500:
            self.log.info("labstudio %s: %s", value.status_code, value.message)
            return
        full = as_disk_full(value) if isinstance(value, Exception) else None
        if full is not None:  # the disk, not labstudio: one line, no traceback
            self.log.warning("labstudio %s: %s", full.status_code, full.message)
            return
        if isinstance(value, Unavailable):
            self.log.warning("labstudio %s: %s", value.status_code, value.message)
            return
        super().log_exception(typ, value, tb)


class NoRouteHandler(LabstudioHandler):
    """Registered last under /labstudio/api: any other path answers a JSON 404, not Jupyter's HTML page.

    It also catches ids that a route's pattern refuses (a run id that is not hex), so a
    client always gets JSON it can read.
    """

    max_body_bytes = None  # nothing is read; a large body still gets its 404

    def _not_found(self, path: str) -> None:
        raise NotFound(f"No labstudio REST route {self.request.method} /labstudio/api/{_printable(path)}; see /labstudio/api/openapi.json for the routes.")

    @web.authenticated
    def get(self, path: str) -> None:
        self._not_found(path)

    @web.authenticated
    def post(self, path: str) -> None:
        self._not_found(path)

    @web.authenticated
    def put(self, path: str) -> None:
        self._not_found(path)

    @web.authenticated
    def patch(self, path: str) -> None:
        self._not_found(path)

    @web.authenticated
    def delete(self, path: str) -> None:
        self._not_found(path)
