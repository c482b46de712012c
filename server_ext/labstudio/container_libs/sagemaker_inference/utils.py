"""Small file and header helpers some inference scripts import from the toolkit."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

CONTENT_TYPE_REGEX = re.compile("^[Cc]ontent-?[Tt]ype")


def read_file(path: str, mode: str = "r") -> Any:
    with open(path, mode) as handle:
        return handle.read()


def write_file(path: str, data: Any, mode: str = "w") -> None:
    with open(path, mode) as handle:
        handle.write(data)


def retrieve_content_type_header(request_property: Mapping[str, Any]) -> Any:
    """The Content-Type of request metadata, whatever its spelling (Content-Type, ContentType, content-type...)."""
    for key in request_property:
        if CONTENT_TYPE_REGEX.match(key):
            return request_property[key]
    return None
