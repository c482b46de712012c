"""The job's environment as the containers libraries present it (shared by the
``sagemaker_containers`` and ``sagemaker_training`` equivalents, which import it as
``labstudio.container_libs._training_env``: labstudio is installed wherever jobs run).

A training job's process carries the whole description in ``SM_TRAINING_ENV`` (labstudio
sets it, as the SageMaker toolkits do); when it is absent the config files under
``SAGEMAKER_BASE_DIR`` (``/opt/ml`` in a container) are read instead.
"""
from __future__ import annotations

import json
import os
from typing import Any


def _read_json(path: str) -> Any:
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _from_files() -> dict[str, Any]:
    base = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
    config = os.path.join(base, "input", "config")
    raw_hps = _read_json(os.path.join(config, "hyperparameters.json")) or {}
    hps: dict[str, Any] = {}
    for key, value in raw_hps.items():
        try:
            hps[key] = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            hps[key] = value
    resource = _read_json(os.path.join(config, "resourceconfig.json")) or {"current_host": "algo-1", "hosts": ["algo-1"]}
    data_config = _read_json(os.path.join(config, "inputdataconfig.json")) or {}
    data_dir = os.path.join(base, "input", "data")
    program = str(hps.get("sagemaker_program", ""))
    return {
        "additional_framework_parameters": {},
        "channel_input_dirs": {name: os.path.join(data_dir, name) for name in data_config},
        "current_host": resource.get("current_host", "algo-1"),
        "framework_module": None,
        "hosts": resource.get("hosts", ["algo-1"]),
        "hyperparameters": {k: v for k, v in hps.items() if not k.startswith("sagemaker_")},
        "input_config_dir": config,
        "input_data_config": data_config,
        "input_dir": os.path.join(base, "input"),
        "is_master": True,
        "job_name": os.environ.get("TRAINING_JOB_NAME", hps.get("sagemaker_job_name")),
        "log_level": 20,
        "master_hostname": resource.get("hosts", ["algo-1"])[0],
        "model_dir": os.path.join(base, "model"),
        "module_dir": os.path.join(base, "code"),
        "module_name": os.path.splitext(program)[0],
        "network_interface_name": resource.get("network_interface_name", "eth0"),
        "num_cpus": os.cpu_count() or 1,
        "num_gpus": 0,
        "output_data_dir": os.path.join(base, "output", "data"),
        "output_dir": os.path.join(base, "output"),
        "output_intermediate_dir": os.path.join(base, "output", "intermediate"),
        "resource_config": resource,
        "user_entry_point": program,
    }


def load_training_env() -> dict[str, Any]:
    raw = os.environ.get("SM_TRAINING_ENV")
    if raw:
        try:
            data = json.loads(raw)
            if isinstance(data, dict):
                return data
        except ValueError:
            pass
    return _from_files()


class _Properties:
    """Read-only attributes over a dict of the environment's properties."""

    def __init__(self, properties: dict[str, Any]) -> None:
        self._properties = properties

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_properties"][name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}") from None

    def properties(self) -> list[str]:
        return sorted(self._properties)

    def __getitem__(self, key: str) -> Any:
        return self._properties[key]

    def to_dict(self) -> dict[str, Any]:
        return dict(self._properties)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._properties!r})"


class TrainingEnv(_Properties):
    """``channel_input_dirs``, ``hyperparameters``, ``model_dir``, ``output_data_dir``,
    ``num_gpus``, ``hosts``, ``current_host``... of the running training job."""

    def __init__(self) -> None:
        super().__init__(load_training_env())

    @property
    def channel_dirs(self) -> dict[str, str]:
        return dict(self._properties.get("channel_input_dirs", {}))

    def to_env_vars(self) -> dict[str, str]:
        out = {}
        for key, value in self._properties.items():
            out[f"SM_{key.upper()}"] = value if isinstance(value, str) else json.dumps(value)
        out["SM_TRAINING_ENV"] = json.dumps(self._properties)
        return out

    def to_cmd_args(self) -> list[str]:
        args: list[str] = []
        hps = self._properties.get("hyperparameters", {})
        for key in sorted(hps):
            args.append(f"--{key}" if len(key) > 1 else f"-{key}")
            value = hps[key]
            args.append(",".join(f"{k}={v}" for k, v in sorted(value.items())) if isinstance(value, dict) else str(value))
        return args


class ServingEnv(_Properties):
    """What an endpoint worker knows about itself (model server settings)."""

    def __init__(self) -> None:
        env = os.environ
        super().__init__(
            {
                "model_server_timeout": int(env.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60") or 60),
                "model_server_workers": env.get("SAGEMAKER_MODEL_SERVER_WORKERS"),
                "default_accept": env.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json"),
                "http_port": env.get("SAGEMAKER_BIND_TO_PORT", "8080"),
                "module_name": os.path.splitext(env.get("SAGEMAKER_PROGRAM", ""))[0],
                "module_dir": env.get("SAGEMAKER_SUBMIT_DIRECTORY"),
                "model_dir": env.get("SM_MODEL_DIR"),
            }
        )
