"""Page tokens of run searches and of metric histories, bound to the query that made them.

A search token is the offset of the next page (the search itself is `store.search.search_runs`);
a history token is the (step, id) of the last point sent. A token handed back with a different
experiment, filter, order_by or series is refused (HTTP 400) rather than silently paging
another query.
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from ..errors import Invalid

# -- page tokens ----------------------------------------------------------------------------------

def _fingerprint(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def make_token(offset: int, *query: Any) -> str:
    raw = json.dumps({"o": offset, "q": _fingerprint(*query)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str | None, *query: Any) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = int(data["o"])
    except Exception:
        raise Invalid("next_token is not a token this server handed out; start again without it", field="next_token") from None
    if data.get("q") != _fingerprint(*query) or offset < 0:
        raise Invalid(
            "next_token belongs to a different query: repeat the same experiment, filter and order_by, or drop next_token",
            field="next_token",
        )
    return offset


def make_series_token(last: tuple[int, int], run_id: str, name: str) -> str:
    """The token of the page after the point `last` (its step and id) of one run's metric."""
    raw = json.dumps({"a": list(last), "q": _fingerprint(run_id, name)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_series_token(token: str | None, run_id: str, name: str) -> tuple[int, int] | None:
    """The (step, id) a history page starts after; Invalid naming next_token for a token of
    another series or one this server did not hand out."""
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        step, point_id = data["a"]
        if not all(type(n) is int and -(2**63) <= n < 2**63 for n in (step, point_id)):
            raise ValueError(token)
    except Exception:
        raise Invalid("next_token is not a token this server handed out; start again without it", field="next_token") from None
    if data.get("q") != _fingerprint(run_id, name):
        raise Invalid("next_token belongs to another run or metric: repeat the same run and metric, or drop next_token", field="next_token")
    return step, point_id
