"""Backends run a prepared job somewhere. Chosen by the spec's `backend` field."""
from __future__ import annotations

from ...config import Settings
from ...errors import Invalid
from .base import Backend


def get_backend(name: str, settings: Settings) -> Backend:
    if name == "local":
        from .local import LocalBackend

        return LocalBackend(settings)
    if name == "ray":
        from .ray import RayBackend

        return RayBackend(settings)
    raise Invalid(f"backend {name!r} is not available; choose 'local' or 'ray'.", field="backend")


__all__ = ["Backend", "get_backend"]
