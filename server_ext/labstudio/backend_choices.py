"""Which backends this server can use, as the launch forms offer them.

Availability is asked of the backends themselves: each one refuses settings it cannot
work with (`Invalid` with the reason) when it is created, and that message is what the
form shows beside a disabled choice. Creating a backend never contacts a cluster, so
this answers at once even when the cluster is down.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import ENV_ENDPOINT_BACKEND, Settings
from .errors import Invalid
from .jobs.backends import get_backend
from .serving.backends import BACKENDS as ENDPOINT_BACKENDS
from .serving.backends import backend_class

# Offered in the forms whatever the settings: local always works, ray once configured.
KNOWN = ("local", "ray")


def _names(default: str) -> list[str]:
    return list(KNOWN) + ([default] if default not in KNOWN else [])


def _choice(name: str, settings: Settings, check: Callable[[str], object]) -> dict[str, Any]:
    """`check` creates the backend, which raises `Invalid` saying why it cannot be used."""
    try:
        check(name)
    except Invalid as exc:
        return {"name": name, "available": False, "reason": str(exc), "address": _address(name, settings)}
    return {"name": name, "available": True, "reason": None, "address": _address(name, settings)}


def _address(name: str, settings: Settings) -> str | None:
    return (settings.ray_address or None) if name == "ray" else None


def _check_endpoint_backend(name: str, settings: Settings) -> None:
    if name not in ENDPOINT_BACKENDS and "." not in name:
        choices = ", ".join(repr(n) for n in ENDPOINT_BACKENDS)
        raise Invalid(f"endpoints cannot run on {name!r} with this labstudio: the endpoint backends are {choices}.", field="backend")
    backend_class(name)(settings)
    if name == "ray":
        # The Ray endpoint backend checks its settings when it is first used rather than when
        # it is created; run that same check (no connection) so the form can say why now.
        from .raycluster import check_settings

        check_settings(settings, "endpoints", ENV_ENDPOINT_BACKEND)


def list_backends(settings: Settings) -> dict[str, Any]:
    """`GET /backends`: the default and every choice, for jobs and for endpoints."""
    return {
        "jobs": {
            "default": settings.job_backend,
            "backends": [_choice(n, settings, lambda n: get_backend(n, settings)) for n in _names(settings.job_backend)],
        },
        "endpoints": {
            "default": settings.endpoint_backend,
            "backends": [_choice(n, settings, lambda n: _check_endpoint_backend(n, settings)) for n in _names(settings.endpoint_backend)],
        },
    }
