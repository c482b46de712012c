"""Paging and filtering words the registry and lineage listings share: NextToken (an opaque
encoding of the previous page's last sort key) and boto3-style time filters."""
from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from .errors import Invalid


def encode_token(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_token(token: str, size: int, field: str = "NextToken") -> list[Any]:
    """The sort key a token holds; Invalid naming `field` for anything this API did not hand out."""
    try:
        value = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        if not isinstance(value, list) or len(value) != size:
            raise ValueError(token)
        for item in value:
            if isinstance(item, str):
                item.encode("utf-8")  # a lone surrogate is not text the database can compare
        return value
    except Exception:
        raise Invalid(f"{field} is not a token this API returned; start again without it.", field=field) from None


def time_filter(value: Any, field: str) -> float | None:
    """A time filter as boto3 takes one (a datetime, epoch seconds, an ISO 8601 string) in epoch seconds."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)).timestamp()
    raise Invalid(f"{field} must be a time (a datetime, epoch seconds or ISO 8601), got {value!r}.", field=field)


def page_size(value: Any, field: str = "MaxResults", default: int = 100, top: int = 1000) -> int:
    """A page size from 1 to `top` (`default` when not given); Invalid naming `field` otherwise."""
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        raise Invalid(f"{field} must be a whole number from 1 to {top}, got {value!r}.", field=field)
    return value
