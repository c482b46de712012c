"""JSON over jp_fetch: the answer's body, and the (status, body) of an error answer."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError


def body(resp: Any) -> Any:
    return json.loads(resp.body.decode())


async def error(jp_fetch: Any, *parts: str, **kwargs: Any) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*parts, **kwargs)
    return err.value.code, json.loads(err.value.response.body.decode())


async def wait_status(jp_fetch: Any, collection: str, name: str, status_key: str, timeout: float = 60.0) -> dict:
    """Poll GET /labstudio/api/<collection>/<name> until the job's `status_key` is terminal; its describe.

    Shared by the REST tests of every job kind ("jobs", "processing-jobs", "transform-jobs")."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        d = body(await jp_fetch("labstudio", "api", collection, name))
        if d[status_key] in ("Completed", "Failed", "Stopped"):
            return d
        if loop.time() > deadline:
            raise AssertionError(f"{collection.removesuffix('s').replace('-', ' ')} {name} still {d[status_key]}")
        await asyncio.sleep(0.1)
