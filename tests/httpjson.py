"""JSON over jp_fetch: the answer's body, and the (status, body) of an error answer."""
from __future__ import annotations

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
