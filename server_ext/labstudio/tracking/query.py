"""Page tokens of run searches: the offset of the next page, bound to the query that made it.

The search itself is `store.search.search_runs`; a token handed back with a different
experiment, filter or order_by is refused (HTTP 400) rather than silently paging another query.
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
