"""The SageMaker training container contract, reproduced as a folder tree and an environment.

What a script sees here is what the sagemaker-training toolkit gives it in a container:
`/opt/ml/...` becomes `<home>/jobs/<name>/opt/ml/...`, and the SM_* variables, the
hyperparameter arguments and the working directory follow the toolkit's rules.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

from ..container_libs import with_container_libs
from .layout import Layout
from .spec import RESERVED_HYPERPARAMETERS, JobSpec, uses_torchrun

SNAPSHOT_IGNORE = shutil.ignore_patterns(".git", "__pycache__", ".ipynb_checkpoints", "node_modules", ".venv", "*.pyc")
HOST = "algo-1"


def encode_hyperparameters(hps: dict[str, Any]) -> dict[str, str]:
    """hyperparameters.json: every value JSON-encoded as a string, as the SageMaker SDK writes it."""
    return {k: json.dumps(v) for k, v in hps.items()}


def all_hyperparameters(spec: JobSpec) -> dict[str, Any]:
    """The user's hyperparameters plus the sagemaker_* keys the SageMaker SDK adds."""
    hps = dict(spec.hyperparameters)
    hps.setdefault("sagemaker_program", spec.entry_point)
    hps.setdefault("sagemaker_submit_directory", spec.source_dir)
    hps.setdefault("sagemaker_container_log_level", 20)
    hps.setdefault("sagemaker_job_name", spec.name)
    hps.setdefault("sagemaker_region", "local")
    return hps


def _decode(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def to_cmd_args(hps: dict[str, Any]) -> list[str]:
    """The toolkit's mapping.to_cmd_args: sorted keys, -k for one character, dicts as k=v,k2=v2."""
    args: list[str] = []
    for key in sorted(hps):
        name = _decode(key)
        args.append(f"--{name}" if len(name) > 1 else f"-{name}")
        value = hps[key]
        if isinstance(value, dict):
            args.append(",".join(f"{k}={v}" for k, v in sorted(value.items())))
        else:
            args.append(_decode(value))
    return args


def _env_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def count_gpus() -> int:
    driver = Path("/proc/driver/nvidia/gpus")
    try:
        return len(list(driver.iterdir())) if driver.is_dir() else 0
    except OSError:
        return 0


def prepare_tree(spec: JobSpec, layout: Layout) -> None:
    """Create the tree and the config files, and snapshot the source (done at submit time).

    A multi-host job gets one tree per host (`Layout.for_host`): each host has its own
    /opt/ml, as each SageMaker instance has, with the same code and config but its own
    resourceconfig.json."""
    _prepare_host_tree(spec, layout, HOST)
    hosts = host_names(spec.instance_count)
    for host in hosts[1:]:
        other = layout.for_host(host)
        other.host_dir.mkdir(parents=True, exist_ok=True)
        _prepare_host_tree(spec, other, host, source=layout.code)


def _prepare_host_tree(spec: JobSpec, layout: Layout, host: str, source: Path | None = None) -> None:
    for folder in (layout.config, layout.data, layout.model, layout.output_data, layout.intermediate):
        folder.mkdir(parents=True, exist_ok=True)
    if source is not None:  # another host: a copy of algo-1's snapshot
        shutil.copytree(source, layout.code, symlinks=True, dirs_exist_ok=True)
    elif spec.source_is_single_file:
        layout.code.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(spec.source_dir) / spec.entry_point, layout.code / spec.entry_point)
    else:
        shutil.copytree(spec.source_dir, layout.code, ignore=SNAPSHOT_IGNORE, symlinks=True, dirs_exist_ok=True)
    (layout.config / "hyperparameters.json").write_text(json.dumps(encode_hyperparameters(all_hyperparameters(spec)), indent=2))
    (layout.config / "inputdataconfig.json").write_text(json.dumps(input_data_config(spec), indent=2))
    hosts = host_names(spec.instance_count)
    (layout.config / "resourceconfig.json").write_text(json.dumps(resource_config(host, hosts), indent=2))
    if host == HOST and (layout.code / "requirements.txt").exists() and not getattr(spec, "install_requirements", True):
        # Installing it is turned off (see requirements.py for when it is on): say so where they will look.
        layout.log_file.write_text(
            "labstudio: requirements.txt found in the source dir; with install_requirements off (--no-requirements) "
            f"local jobs run in this Python environment ({sys.executable}) and do not install it.\n"
        )


def input_data_config(spec: JobSpec) -> dict[str, dict[str, str]]:
    """inputdataconfig.json: each channel's mode, and its ContentType when the job was given one."""
    types = getattr(spec, "content_types", None) or {}
    out: dict[str, dict[str, str]] = {}
    for name in sorted(spec.channels):
        entry = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}
        if name in types:
            entry["ContentType"] = types[name]
        out[name] = entry
    return out


_input_data_config = input_data_config


def host_names(count: int) -> list[str]:
    """SageMaker's host names: algo-1 .. algo-N."""
    return [f"algo-{k}" for k in range(1, count + 1)]


def resource_config(host: str = HOST, hosts: list[str] | None = None) -> dict[str, Any]:
    return {"current_host": host, "hosts": hosts or [HOST], "network_interface_name": "eth0"}


def channel_links(spec: JobSpec, layout: Layout) -> list[tuple[str, str]]:
    """(source, input/data/<channel>) pairs the supervisor links before the script starts."""
    return [(source, str(layout.channel(name))) for name, source in sorted(spec.channels.items())]


def command(spec: JobSpec, layout: Layout, python: str | None = None, rendezvous: tuple[str, int] | None = None) -> list[str]:
    """The script's command line; with a torchrun distribution, torchrun's (as SageMaker's
    training toolkit starts it on each host: one node per host, one process per GPU)."""
    entry = layout.code / spec.entry_point
    args = to_cmd_args(spec.user_hyperparameters)
    if entry.suffix == ".sh":
        return ["/bin/sh", str(entry), *args]
    if uses_torchrun(spec):
        addr, port = rendezvous or ("127.0.0.1", 29500)
        hosts = host_names(spec.instance_count)
        return [
            python or sys.executable, "-m", "torch.distributed.run",  # what the `torchrun` script runs
            "--nnodes", str(len(hosts)),
            "--nproc_per_node", str(count_gpus() or 1),
            "--node_rank", str(hosts.index(layout.host)),
            "--master_addr", addr,
            "--master_port", str(port),
            str(entry), *args,
        ]  # fmt: skip
    return [python or sys.executable, str(entry), *args]


def free_port() -> int:
    """A TCP port free right now on this machine: the rendezvous port of a multi-host job."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def needs_rendezvous(spec: JobSpec) -> bool:
    """MASTER_ADDR/MASTER_PORT are given to multi-host jobs and torchrun ones (single-host jobs
    keep exactly the environment they always had)."""
    return spec.instance_count > 1 or uses_torchrun(spec)


def environment(
    spec: JobSpec,
    layout: Layout,
    *,
    run_id: str | None,
    base_env: dict[str, str],
    rendezvous: tuple[str, int] | None = None,
) -> dict[str, str]:
    """The process environment: the caller's, the SM_* variables, then the user's own.

    `layout` is the host's (algo-k's) tree; `rendezvous` the (MASTER_ADDR, MASTER_PORT) of a
    multi-host or torchrun job."""
    env = dict(base_env)  # the submitting process's environment and settings (Settings.child_env)
    host = layout.host
    hosts = host_names(spec.instance_count)
    is_master = host == HOST
    framework_params: dict[str, Any] = {"sagemaker_torch_distributed_enabled": True} if uses_torchrun(spec) else {}
    hps = spec.user_hyperparameters
    channels = sorted(spec.channels)
    user_args = to_cmd_args(hps)
    module_name = Path(spec.entry_point).stem
    num_gpus = count_gpus()
    num_cpus = os.cpu_count() or 1
    channel_dirs = {name: str(layout.channel(name)) for name in channels}
    input_data_config = _input_data_config(spec)
    training_env = {
        "additional_framework_parameters": framework_params,
        "channel_input_dirs": channel_dirs,
        "current_host": host,
        "framework_module": None,
        "hosts": hosts,
        "hyperparameters": hps,
        "input_config_dir": str(layout.config),
        "input_data_config": input_data_config,
        "input_dir": str(layout.input),
        "is_master": is_master,
        "job_name": spec.name,
        "log_level": 20,
        "master_hostname": HOST,
        "model_dir": str(layout.model),
        "module_dir": str(layout.code),
        "module_name": module_name,
        "network_interface_name": "eth0",
        "num_cpus": num_cpus,
        "num_gpus": num_gpus,
        "output_data_dir": str(layout.output_data),
        "output_dir": str(layout.output),
        "output_intermediate_dir": str(layout.intermediate),
        "resource_config": resource_config(host, hosts),
        "user_entry_point": spec.entry_point,
    }
    sm: dict[str, str] = {
        "SM_MODEL_DIR": str(layout.model),
        "SM_CHANNELS": json.dumps(channels),
        "SM_HPS": json.dumps(hps),
        "SM_CURRENT_HOST": host,
        "SM_HOSTS": json.dumps(hosts),
        "SM_NUM_GPUS": str(num_gpus),
        "SM_NUM_CPUS": str(num_cpus),
        "SM_LOG_LEVEL": "20",
        "SM_NETWORK_INTERFACE_NAME": "eth0",
        "SM_USER_ARGS": json.dumps(user_args),
        "SM_INPUT_DIR": str(layout.input),
        "SM_INPUT_CONFIG_DIR": str(layout.config),
        "SM_OUTPUT_DIR": str(layout.output),
        "SM_OUTPUT_DATA_DIR": str(layout.output_data),
        "SM_OUTPUT_INTERMEDIATE_DIR": str(layout.intermediate),
        "SM_RESOURCE_CONFIG": json.dumps(resource_config(host, hosts)),
        "SM_INPUT_DATA_CONFIG": json.dumps(input_data_config),
        "SM_TRAINING_ENV": json.dumps(training_env),
        "SM_MODULE_DIR": str(layout.code),
        "SM_MODULE_NAME": module_name,
        "SM_USER_ENTRY_POINT": spec.entry_point,
        "SM_FRAMEWORK_PARAMS": json.dumps(framework_params),
        "SM_IS_MASTER": "true" if is_master else "false",
        "SM_MASTER_HOSTNAME": HOST,
        "TRAINING_JOB_NAME": spec.name,
        "SAGEMAKER_BASE_DIR": str(layout.base),
        "PYTHONUNBUFFERED": "1",
        "LABSTUDIO_JOB_NAME": spec.name,
        "LABSTUDIO_EXPERIMENT_NAME": spec.experiment_name or "Default",
    }
    for name in channels:
        sm[f"SM_CHANNEL_{name.upper()}"] = str(layout.channel(name))
    for key, value in hps.items():
        sm[f"SM_HP_{key.upper()}"] = _env_value(value)
    if run_id:
        sm["LABSTUDIO_RUN_ID"] = run_id
    if rendezvous is not None:
        sm["MASTER_ADDR"], sm["MASTER_PORT"] = rendezvous[0], str(rendezvous[1])
    env.update(sm)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = with_container_libs(str(layout.code) + (os.pathsep + existing if existing else ""))
    env.update(spec.environment)
    return env


__all__ = [
    "Layout",
    "RESERVED_HYPERPARAMETERS",
    "all_hyperparameters",
    "command",
    "encode_hyperparameters",
    "environment",
    "free_port",
    "host_names",
    "needs_rendezvous",
    "channel_links",
    "prepare_tree",
    "to_cmd_args",
]
