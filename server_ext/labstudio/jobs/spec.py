"""A training job's specification and its validation.

Every client (REST, CLI, SDK, magics) builds the same dict; `parse_spec` turns it into a
JobSpec or raises `Invalid` naming the field and the fix, before anything is created.
"""
from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import Invalid, Problems
from ..paths import confine, resolve
from ..shapes import NAME_RE
from ..shapes.jobs import MAX_INSTANCE_COUNT, CreateTrainingJobRequest, MetricDefinition
from ..shapes.text import check_nested_text as _check_nested_text
from ..shapes.text import check_text as _check_text
from ..shapes.validate import parse_all

__all__ = ["NAME_RE", "JobSpec", "parse_spec", "check_exec_size", "generate_name"]
CHANNEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
# Linux refuses to exec a program when one argument or "KEY=value" string is longer than
# MAX_ARG_STRLEN (32 pages, counting its NUL), or all of them together exceed ARG_MAX.
MAX_ARG_STRLEN = 131072
BIG_VALUE_HINT = (
    "Pass large values through a file instead: put it in a folder, give the folder as a channel "
    "(e.g. channels: {\"config\": \"path/to/folder\"}) and read it from SM_CHANNEL_CONFIG in the script."
)
BACKENDS = ("local", "ray")
MAX_INSTANCES = MAX_INSTANCE_COUNT  # checked by the request's shape (CreateTrainingJobRequest.instance_count)
# SageMaker's distribution keys that launch the entry point with torchrun on every host.
TORCHRUN_KEYS = ("torch_distributed", "pytorchddp")
PARAMETER_SERVER = "parameter_server"  # accepted on one instance only (parse_distribution)
RESERVED_HYPERPARAMETERS = (
    "sagemaker_program",
    "sagemaker_submit_directory",
    "sagemaker_container_log_level",
    "sagemaker_job_name",
    "sagemaker_region",
)
@dataclass(frozen=True)
class JobSpec:
    name: str
    entry_point: str  # relative to source_dir (the file name when no source_dir was given)
    source_dir: str  # absolute folder snapshotted into opt/ml/code
    source_is_single_file: bool
    hyperparameters: dict[str, Any]
    channels: dict[str, str]  # name -> absolute local path, or a URL for remote channels
    environment: dict[str, str]
    metric_definitions: list[dict[str, str]]
    max_runtime_seconds: int | None
    experiment_name: str | None
    tags: dict[str, str]
    backend: str = "local"
    trial_name: str | None = None
    install_requirements: bool = True  # pip install the source dir's requirements.txt first
    # The user's own folder when the SDK submitted a staged copy (dependencies, sdk/staging.py):
    # describe names it as SourceDir, since the staged copy is deleted right after submit.
    source_dir_given: str | None = None
    instance_count: int = 1  # hosts algo-1..algo-N (docs/multi-host.md)
    distribution: dict[str, Any] | None = None  # SageMaker's; see TORCHRUN_KEYS
    output_path: str | None = None  # archives at <output_path>/<name>/output/ (None: the artifact store)
    content_types: dict[str, str] | None = None  # channel -> ContentType (inputdataconfig.json)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSpec:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def user_hyperparameters(self) -> dict[str, Any]:
        return {k: v for k, v in self.hyperparameters.items() if k not in RESERVED_HYPERPARAMETERS}


def generate_name(entry_point: str, now: float | None = None) -> str:
    """SageMaker's `<base>-YYYY-MM-DD-HH-MM-SS-mmm`, the base taken from the entry point's stem."""
    stem = Path(entry_point).stem or "job"
    base = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-") or "job"
    if not base[0].isalnum():
        base = "job-" + base
    now = time.time() if now is None else now
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"
    base = base[: 63 - len(stamp) - 1].rstrip("-")
    return f"{base}-{stamp}"


def _resolve_path(raw: str, field_name: str, base_dir: Path, root_dir: Path | None) -> Path:
    return confine(resolve(raw, base_dir, field_name), field_name, [root_dir] if root_dir else None, raw)


def check_exec_size(spec: JobSpec, argv: list[str], env: Mapping[str, str]) -> None:
    """Refuse, at submit, a job whose script the OS would refuse to start (E2BIG).

    Checked on the real command line and environment the supervisor will exec, so the
    SM_HP_*, SM_HPS and SM_TRAINING_ENV copies of every hyperparameter are counted.
    """
    hp_vars = {f"SM_HP_{k.upper()}" for k in spec.user_hyperparameters} | {"SM_HPS", "SM_USER_ARGS", "SM_TRAINING_ENV"}
    for key, value in env.items():
        size = len(os.fsencode(key)) + len(os.fsencode(value)) + 2
        if size <= MAX_ARG_STRLEN:
            continue
        if key in spec.environment:
            field, what = "environment", f"environment variable {key!r}"
        elif key in hp_vars:
            field, what = "hyperparameters", f"the hyperparameters (as {key})"
        else:
            field, what = None, f"the inherited environment variable {key!r}"
        raise Invalid(
            f"{what} would be {size} bytes; Linux starts no process with a single argument or environment "
            f"variable over {MAX_ARG_STRLEN} bytes. {BIG_VALUE_HINT}",
            field=field,
        )
    for arg in argv[2:]:
        size = len(os.fsencode(arg)) + 1
        if size > MAX_ARG_STRLEN:
            raise Invalid(
                f"a hyperparameter's command-line value would be {size} bytes; Linux starts no process with a single "
                f"argument over {MAX_ARG_STRLEN} bytes. {BIG_VALUE_HINT}",
                field="hyperparameters",
            )
    pointer = 8
    total = sum(len(os.fsencode(a)) + 1 + pointer for a in argv)
    total += sum(len(os.fsencode(k)) + len(os.fsencode(v)) + 2 + pointer for k, v in env.items())
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        limit = 2 * 1024 * 1024
    limit -= 16 * 1024  # headroom for the auxiliary vector and the loader's own strings
    if total > limit:
        field = "environment" if spec.environment and sum(len(v) for v in spec.environment.values()) > total // 2 else "hyperparameters"
        raise Invalid(
            f"the job's command line and environment together would be {total} bytes; this machine starts no process "
            f"with more than {limit} (ARG_MAX). {BIG_VALUE_HINT}",
            field=field,
        )


def _string_map(values: Mapping[str, str | int | float] | None, key: str, key_re: re.Pattern[str] | None = None) -> dict[str, str]:
    """Environment variables and tags: names checked here, values stringified (the shape
    already refused anything that is not a string or a number)."""
    out: dict[str, str] = {}
    for k, v in (values or {}).items():
        if not k or (key_re is not None and not key_re.match(k)):
            raise Invalid(f"'{key}' has an invalid name {k!r}.", field=key)
        _check_text(k, key, f"the name {k!r} in '{key}'")
        _check_text(str(v), key, f"'{key}.{k}'")
        out[k] = str(v)
    return out


def _hyperparameters(values: Mapping[str, Any] | None) -> dict[str, Any]:
    hps = dict(values or {})
    for k, v in hps.items():
        if not k.strip():
            raise Invalid(f"hyperparameter names must be non-empty strings, got {k!r}.", field="hyperparameters")
        _check_text(k, "hyperparameters", f"the hyperparameter name {k!r}")
        if "=" in k:  # it becomes the environment variable SM_HP_<NAME>, whose name cannot hold '='
            raise Invalid(f"hyperparameter name {k!r} contains '=', which an environment variable name cannot hold.", field="hyperparameters")
        try:
            json.dumps(v, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise Invalid(
                f"hyperparameter '{k}' cannot be written as JSON ({exc}); use numbers, strings, booleans, lists or objects.",
                field="hyperparameters",
            ) from None
        _check_nested_text(v, "hyperparameters", f"hyperparameter {k!r}")  # after json.dumps: no cycles left
        if isinstance(v, float) and not math.isfinite(v):
            raise Invalid(f"hyperparameter '{k}' must be finite.", field="hyperparameters")
    return hps


def _metric_definitions(items: list[MetricDefinition] | None) -> list[dict[str, str]]:
    """Each definition checked (all of them: the Invalid carries every faulty one)."""
    problems = Problems()
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(items or []):
        definition = problems.check(_metric_definition, i, item, seen)
        if definition is not None:
            seen.add(definition["Name"])
            out.append(definition)
    problems.raise_any()
    return out


def _metric_definition(i: int, item: MetricDefinition, seen: set[str]) -> dict[str, str]:
    name, regex = item.Name, item.Regex
    _check_text(name, "metric_definitions", f"metric_definitions[{i}].Name")
    _check_text(regex, "metric_definitions", f"metric_definitions[{i}].Regex")
    if name in seen:
        raise Invalid(f"metric_definitions has the name {name!r} twice.", field="metric_definitions")
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise Invalid(f"metric_definitions[{i}].Regex {regex!r} is not a valid regular expression: {exc}.", field="metric_definitions") from None
    if compiled.groups < 1:
        raise Invalid(
            f"metric_definitions[{i}].Regex {regex!r} needs a capture group around the value, e.g. 'loss=([0-9.]+)'.",
            field="metric_definitions",
        )
    return {"Name": name, "Regex": regex}


def _channels(channels: Mapping[str, str] | None, base_dir: Path, root_dir: Path | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, uri in (channels or {}).items():
        if not CHANNEL_RE.match(name):
            raise Invalid(
                f"channel name {name!r} is invalid: use letters, digits, '.', '-' or '_' (up to 64 characters).",
                field="channels",
            )
        if not uri:
            raise Invalid(f"channel '{name}' needs a local path or a file:// URI.", field="channels")
        _check_text(uri, "channels", f"channel '{name}'")
        if "://" in uri and not uri.startswith("file://"):
            from ..remote_storage import check_readable

            check_readable(uri, "channels", f"channel '{name}'")  # copied in by the supervisor (jobs/inputs.py): checked now
            out[name] = uri
            continue
        path = _resolve_path(uri, "channels", base_dir, root_dir)
        if not path.exists():
            raise Invalid(f"channel '{name}': {path} does not exist. Check the path.", field="channels")
        out[name] = str(path)
    return out


def parse_spec(
    data: Mapping[str, Any] | CreateTrainingJobRequest,
    *,
    base_dir: Path | None = None,
    root_dir: Path | None = None,
    now: float | None = None,
    default_backend: str | None = None,
) -> JobSpec:
    """Validate a request. Relative paths are taken from base_dir; root_dir (REST) confines them.

    The shape (`CreateTrainingJobRequest`) refuses unknown fields and wrong types; what is
    checked here needs the file system or goes beyond types (paths, NUL bytes, regexes). The
    checks of independent fields all run: the `Invalid` raised carries every problem found.
    """
    problems = Problems()
    req = parse_all(CreateTrainingJobRequest, data, problems)
    if req is None:
        problems.raise_any()
    assert req is not None
    base_dir = (base_dir or root_dir or Path.cwd()).resolve()

    script = problems.check(_script, req, base_dir, root_dir)
    source_dir, entry_rel, single = script or ("", Path(req.entry_point).name, True)
    name = req.name or generate_name(entry_rel or "job", now)
    spec = dict(
        name=name,
        entry_point=entry_rel,
        source_dir=str(source_dir),
        source_is_single_file=single,
        experiment_name=problems.check(_group_name, req.experiment_name, "experiment_name"),
        trial_name=problems.check(_group_name, req.trial_name, "trial_name"),
        hyperparameters=problems.check(_hyperparameters, req.hyperparameters),
        channels=problems.check(_channels, req.channels, base_dir, root_dir),
        environment=problems.check(_string_map, req.environment, "environment", ENV_KEY_RE),
        metric_definitions=problems.check(_metric_definitions, req.metric_definitions),
        max_runtime_seconds=req.max_runtime_seconds,
        tags=problems.check(_string_map, req.tags, "tags"),
        backend=req.backend or default_backend or Settings.from_env().job_backend,  # the settings' LABSTUDIO_BACKEND when the request names none
        install_requirements=req.install_requirements is not False,
        instance_count=_instance_count(req.instance_count),
        distribution=problems.check(parse_distribution, req.distribution, _instance_count(req.instance_count)),
        output_path=problems.check(_output_path, req.output_path, base_dir, root_dir),
        content_types=problems.check(_content_types, req.content_types, req.channels),
    )
    problems.raise_any()
    return JobSpec(**spec)  # type: ignore[arg-type]  # every check passed: no None left where a value is due


def _script(req: CreateTrainingJobRequest, base_dir: Path, root_dir: Path | None) -> tuple[Path, str, bool]:
    """(source folder, entry point relative to it, whether the source is the script alone)."""
    entry = req.entry_point
    if not entry.strip():
        raise Invalid("'entry_point' is required: the training script to run, e.g. 'train.py'.", field="entry_point")
    _check_text(entry, "entry_point", "'entry_point'")
    source_raw = req.source_dir
    if source_raw:
        _check_text(source_raw, "source_dir", "'source_dir'")
        source_dir = _resolve_path(source_raw, "source_dir", base_dir, root_dir)
        if not source_dir.is_dir():
            raise Invalid(f"'source_dir' {source_dir} is not a folder.", field="source_dir")
        entry_path = (source_dir / entry).resolve() if not Path(entry).is_absolute() else Path(entry).resolve()
        if source_dir not in entry_path.parents:
            raise Invalid(f"'entry_point' {entry!r} must be inside source_dir {source_dir}.", field="entry_point")
        if not entry_path.is_file():
            raise Invalid(f"'entry_point' {entry!r} was not found in source_dir {source_dir}.", field="entry_point")
        return source_dir, str(entry_path.relative_to(source_dir)), False
    entry_path = _resolve_path(entry, "entry_point", base_dir, root_dir)
    if not entry_path.is_file():
        raise Invalid(f"'entry_point' {entry_path} does not exist or is not a file.", field="entry_point")
    return entry_path.parent, entry_path.name, True


def _content_types(values: Mapping[str, str] | None, channels: Mapping[str, str] | None) -> dict[str, str] | None:
    """Each channel's ContentType; a type for a channel the job does not have is a typo."""
    if not values:
        return None
    for name, value in values.items():
        if name not in (channels or {}):
            raise Invalid(f"'content_types' names channel {name!r}, which the job does not have; name one of its channels.", field="content_types")
        _check_text(value, "content_types", f"the content type of channel {name!r}")
    return dict(values)


def _output_path(value: str | None, base_dir: Path, root_dir: Path | None) -> str | None:
    """A URL is checked now (bucket, credentials), so a typo fails the submit, not the upload;
    a local folder is resolved (and confined to the Jupyter root for REST) and created on upload."""
    if not value:
        return None
    _check_text(value, "output_path", "'output_path'")
    if "://" in value and not value.startswith("file://"):
        from ..remote_storage import check_writable_prefix

        check_writable_prefix(value, "output_path", "'output_path'")
        return value.rstrip("/")
    path = _resolve_path(value, "output_path", base_dir, root_dir)
    if path.exists() and not path.is_dir():
        raise Invalid(f"'output_path' {path} is a file; give a folder (or an s3:// URL) for the archives.", field="output_path")
    return str(path)


def _instance_count(value: int | None) -> int:
    """1 host unless the request asks for more (its shape checked 1..MAX_INSTANCE_COUNT)."""
    return 1 if value is None else value


def parse_distribution(value: Mapping[str, Any] | None, instance_count: int = 1) -> dict[str, Any] | None:
    """SageMaker's `distribution` dict: the torchrun launchers are supported here, and
    ``parameter_server`` on one instance (see ``unused_distribution``), which runs the script
    once, as SageMaker's TensorFlow container does on one host; on several hosts it is refused
    (labstudio starts no parameter servers)."""
    if not value:
        return None
    supported = " or ".join(f'{{"{k}": {{"enabled": true}}}}' for k in TORCHRUN_KEYS)
    for key, options in value.items():
        if key not in TORCHRUN_KEYS and key != PARAMETER_SERVER:
            raise Invalid(
                f"'distribution' {key!r} is not supported; labstudio launches distributed training with torchrun: "
                f"use {supported}, or leave 'distribution' out and start the processes in the script.",
                field="distribution",
            )
        if not isinstance(options, Mapping) or not isinstance(options.get("enabled", False), bool) or set(options) - {"enabled"}:
            raise Invalid(f"'distribution' {key!r} must be {{\"enabled\": true}} or {{\"enabled\": false}}.", field="distribution")
    enabled = [k for k, options in value.items() if options.get("enabled")]
    if PARAMETER_SERVER in enabled and instance_count > 1:
        raise Invalid(
            f"'distribution' {PARAMETER_SERVER!r} on {instance_count} instances is not supported: labstudio starts no "
            f"parameter servers. Use {supported} (the script runs under torchrun on every host), set instance_count "
            "to 1 (the script runs once, as on one SageMaker host), or leave 'distribution' out and start the "
            "processes in the script.",
            field="distribution",
        )
    launched = [k for k in enabled if k in TORCHRUN_KEYS]
    return {launched[0]: {"enabled": True}} if launched else None


def unused_distribution(value: Mapping[str, Any] | None) -> str | None:
    """The warning for a ``parameter_server`` that ``parse_distribution`` accepted and drops.

    Public TensorFlow samples pass it with one instance without using it; SageMaker's container
    then runs the script once with no parameter server (it starts them only with several hosts)."""
    options = (value or {}).get(PARAMETER_SERVER)
    if not isinstance(options, Mapping) or not options.get("enabled"):
        return None
    return (
        f"distribution {{'{PARAMETER_SERVER}': {{'enabled': True}}}} has no effect on one instance: the script runs "
        "once, with no parameter server, as SageMaker's TensorFlow container runs it on one host"
    )


def uses_torchrun(spec: JobSpec) -> bool:
    return bool(spec.distribution) and any(k in TORCHRUN_KEYS for k in spec.distribution or {})


def _group_name(value: str | None, field: str) -> str | None:
    """An experiment or trial name: 1 to 120 characters once trimmed."""
    if value is None:
        return None
    if not 1 <= len(value.strip()) <= 120:
        raise Invalid(f"'{field}' must be a non-empty string of at most 120 characters.", field=field)
    _check_text(value, field, f"'{field}'")
    return value.strip()
