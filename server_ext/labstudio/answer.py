"""A service's answer as JSON: what REST sends, the SDK's describe() returns and the CLI prints.

Services return response shapes (pydantic models, shapes/); the thin clients turn them into
plain JSON values with `to_json`. Standard library only, so the CLI can use it without
importing pydantic before a command needs it (the models bring it themselves).
"""
from __future__ import annotations

from typing import Any


def to_json(value: Any) -> Any:
    """A response shape (or a list of them) as its JSON value: `model_dump(mode="json")`
    without the fields the service left unset, so an answer carries exactly the keys it always
    carried (a describe's `Deleted` appears only for a deleted archive). A plain value is
    returned as it is."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_unset=True)
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value
