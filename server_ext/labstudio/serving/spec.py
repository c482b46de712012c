"""What an endpoint's supervisor serves: the spec file the service writes and the server reads.

The service resolves sources into prepared folders and writes ``spec.json`` in the endpoint
folder; the supervisor reads it at start and again on SIGHUP (an update). A variant whose
``key`` did not change keeps its running workers (a weight change moves no process); any
other change starts a new pool next to the old one (blue/green).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Invalid
from ..shapes.common import NAME_RE  # the one SageMaker name rule

DEFAULT_VARIANT = "AllTraffic"
DEFAULT_BODY_LIMIT = 6 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
DEFAULT_STARTUP_TIMEOUT = 600.0
# Whose container's default handlers serve the model (serving/frameworks.py): the SDK's framework
# Model and Estimator classes set it in the endpoint's Environment, as SageMaker's container image
# decides it there; unset, the defaults follow the type of the object model_fn returns.
SERVING_FRAMEWORK_ENV = "LABSTUDIO_SERVING_FRAMEWORK"
SERVING_FRAMEWORKS = ("sklearn", "xgboost", "pytorch", "tensorflow", "huggingface")


def check_serving_framework(value: str | None, field_name: str = "Environment") -> str | None:
    """The declared framework, or None; anything else is refused naming the variable and the choices."""
    if value is None or value == "":
        return None
    if value not in SERVING_FRAMEWORKS:
        raise Invalid(
            f"{SERVING_FRAMEWORK_ENV}={value!r} is not a framework whose defaults the model server knows: "
            f"use one of {', '.join(SERVING_FRAMEWORKS)}, or leave it unset (defaults from the loaded model's type)",
            field=field_name,
        )
    return value


def check_name(value: str, what: str, field_name: str) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise Invalid(
            f"{what} {value!r} is not valid: use 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
            field=field_name,
        )
    return value


@dataclass
class VariantSpec:
    name: str
    model_dir: str
    source_dir: str | None = None
    entry_point: str | None = None
    weight: float = 1.0
    instances: int = 1
    environment: dict[str, str] = field(default_factory=dict)
    model_data: str = ""
    origin: dict[str, Any] = field(default_factory=dict)  # what the user asked for (to spot no-op updates)
    # {"memory_mb", "max_concurrency"}: serverless (runtime/serverless.py), workers started on demand.
    serverless: dict[str, int] | None = None

    @property
    def key(self) -> str:
        """Identity of the deployed model: equal keys mean the running workers can stay."""
        raw = json.dumps(
            [self.name, self.model_dir, self.source_dir, self.entry_point, self.instances, sorted(self.environment.items()),
             sorted((self.serverless or {}).items())]
        )
        return hashlib.sha1(raw.encode()).hexdigest()[:12]


@dataclass
class CaptureSpec:
    enabled: bool = False
    percent: float = 0.0
    destination: str | None = None  # artifact store URI; default the labstudio store
    capture_input: bool = True
    capture_output: bool = True


@dataclass
class EndpointSpec:
    name: str
    variants: list[VariantSpec]
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None
    body_limit: int = DEFAULT_BODY_LIMIT
    timeout: float = DEFAULT_TIMEOUT
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    default_accept: str = "application/json"
    capture: CaptureSpec = field(default_factory=CaptureSpec)
    artifact_uri: str | None = None
    generation: int = 1
    report_to_store: bool = True
    # Where the code's requirements.txt is installed (serving/requirements.py); None: not installed.
    requirements_cache: str | None = None
    # An asynchronous endpoint's queue settings (serving/async_config.py): a dispatcher process
    # feeds the queued requests to the workers. None: a real-time endpoint.
    async_config: dict[str, Any] | None = None
    # Autoscaling per variant name (serving/autoscaling.py's to_spec): the supervisor keeps each
    # variant's worker count between min and max by target tracking (runtime/autoscale.py).
    scaling: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EndpointSpec:
        data = dict(data)
        data["variants"] = [VariantSpec(**v) for v in data.get("variants", [])]
        data["capture"] = CaptureSpec(**(data.get("capture") or {}))
        return cls(**data)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        os.chmod(tmp, 0o600)  # it may hold the bearer token
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> EndpointSpec:
        return cls.from_json(json.loads(path.read_text()))
