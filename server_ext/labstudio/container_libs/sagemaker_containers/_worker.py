"""``worker.Response``: what older inference scripts return from output_fn/transform_fn.

In the container it is a Flask response; here it is a small object the labstudio model
server reads (``get_data()`` and ``mimetype``, the same attributes a Flask response has).
"""
from __future__ import annotations

from typing import Any


class Response:
    def __init__(self, response: Any = None, status: int = 200, headers: Any = None, mimetype: str | None = None,
                 content_type: str | None = None, accept: str | None = None, **kwargs: Any) -> None:
        self.response = response if response is not None else b""
        self.status_code = status
        self.headers = dict(headers or {})
        self.mimetype = mimetype or content_type or accept or "application/json"

    def get_data(self) -> bytes:
        body = self.response
        if isinstance(body, str):
            return body.encode("utf-8")
        if isinstance(body, (bytes, bytearray, memoryview)):
            return bytes(body)
        return b"".join(part.encode("utf-8") if isinstance(part, str) else bytes(part) for part in body)
