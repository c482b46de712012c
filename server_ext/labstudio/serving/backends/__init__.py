"""Endpoint backends run an endpoint's runtime somewhere; chosen by the ``LABSTUDIO_ENDPOINT_BACKEND``
setting (``endpoint_backend`` on the server extension), as jupyter-scheduler chooses its scheduler.

A name from ``BACKENDS`` or a dotted path ``package.module.Class`` to a subclass of
``EndpointBackend``. An unknown one is refused when the settings are read (the server
then answers 503 saying so; the CLI and SDK raise) rather than on the first deploy.
"""
from __future__ import annotations

import importlib

from ...config import ENV_ENDPOINT_BACKEND, Settings
from ...errors import Invalid
from .base import EndpointBackend, LaunchFailed, Started

BACKENDS = {
    "local": "labstudio.serving.backends.local.LocalEndpointBackend",
    "ray": "labstudio.serving.backends.ray.RayEndpointBackend",  # needs labstudio[ray]; see docs/scale-out.md
}


def backend_class(name: str) -> type[EndpointBackend]:
    """The class a backend name stands for; ``Invalid`` naming the setting when there is none."""
    path = BACKENDS.get(name, name)
    module_name, _, class_name = path.rpartition(".")
    choices = ", ".join(repr(n) for n in BACKENDS)
    problem = None
    try:
        found = getattr(importlib.import_module(module_name), class_name, None) if module_name else None
    except ImportError as exc:
        found, problem = None, f" ({exc})"
    if not (isinstance(found, type) and issubclass(found, EndpointBackend)):
        raise Invalid(
            f"{ENV_ENDPOINT_BACKEND} (the endpoint_backend setting) is {name!r}, which is not an endpoint backend{problem or ''}: "
            f"choose {choices}, or give the dotted path of an EndpointBackend subclass",
            field=ENV_ENDPOINT_BACKEND,
        )
    return found


def get_endpoint_backend(settings: Settings) -> EndpointBackend:
    return backend_class(settings.endpoint_backend)(settings)


__all__ = ["BACKENDS", "EndpointBackend", "LaunchFailed", "Started", "backend_class", "get_endpoint_backend"]
