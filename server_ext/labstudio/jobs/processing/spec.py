"""A processing job's specification and its validation.

Every client (REST, CLI, SDK, magics) builds the same dict (`CreateProcessingJobRequest`);
`parse_processing_spec` turns it into a ProcessingSpec or raises `Invalid` naming the field
(`inputs[0].destination`) and the fix, with every other problem of the request attached,
before anything is created.
"""
from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...config import Settings
from ...errors import Invalid, Problems
from ...shapes.processing import CreateProcessingJobRequest
from ...shapes.validate import parse_all
from ..spec import CHANNEL_RE, ENV_KEY_RE, _check_text, _group_name, _resolve_path, _string_map, generate_name
from .layout import CODE_DIR, PROCESSING_ROOT

DEFAULT_COMMAND = ["python3"]
PATH_RULE = f"an absolute folder under {PROCESSING_ROOT}/, e.g. '{PROCESSING_ROOT}/input'"


@dataclass(frozen=True)
class ProcessingSpec:
    name: str
    code: str | None  # relative to source_dir (the file name when no source_dir was given)
    source_dir: str | None  # absolute folder snapshotted into /opt/ml/processing/input/code
    source_is_single_file: bool
    command: list[str] | None  # runs `code`
    entrypoint: list[str] | None  # without `code`: SageMaker's ContainerEntrypoint
    arguments: list[str]
    # {"name", "source" (absolute local path), "destination" (/opt/ml/processing/...)}
    inputs: list[dict[str, str]]
    # {"name", "source" (/opt/ml/processing/...), "destination" (absolute local folder, or None: the artifact store)}
    outputs: list[dict[str, str | None]]
    environment: dict[str, str]
    max_runtime_seconds: int | None
    experiment_name: str | None
    tags: dict[str, str]
    trial_name: str | None = None
    backend: str = "local"
    install_requirements: bool = True  # pip install the source dir's requirements.txt first (jobs/requirements.py)
    kind: str = field(default="processing", init=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProcessingSpec:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "kind"})

    @property
    def container_entrypoint(self) -> list[str]:
        """ContainerEntrypoint as SageMaker shows it: the script at /opt/ml/processing/input/code/."""
        if self.code is None:
            return list(self.entrypoint or [])
        return [*(self.command or DEFAULT_COMMAND), f"{CODE_DIR}/{self.code}"]


def container_path(raw: str, field_name: str, what: str) -> str:
    """An /opt/ml/processing/... path, normalised; anything else is an Invalid naming the field."""
    _check_text(raw, field_name, what)
    norm = posixpath.normpath(raw) if raw.startswith("/") else ""
    if not norm.startswith(PROCESSING_ROOT + "/"):
        raise Invalid(f"{what} must be {PATH_RULE}; got {raw!r}.", field=field_name)
    return norm


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def _name(value: str | None, default: str, field_name: str, seen: set[str]) -> str:
    name = value if value is not None else default
    if not CHANNEL_RE.match(name):
        raise Invalid(
            f"{field_name} {name!r} is invalid: use letters, digits, '.', '-' or '_' (up to 64 characters).", field=field_name
        )
    if name in seen:
        raise Invalid(f"{field_name} {name!r} is used twice; give each a different name.", field=field_name)
    seen.add(name)
    return name


def _inputs(req: CreateProcessingJobRequest, base_dir: Path, root_dir: Path | None, has_code: bool) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    names: set[str] = {"code"} if has_code else set()
    destinations: dict[str, str] = {}
    for i, item in enumerate(req.inputs or []):
        where = f"inputs[{i}]"
        name = _name(item.input_name, f"input-{i + 1}", f"{where}.input_name", names)
        _check_text(item.source, f"{where}.source", f"'{where}.source'")
        source: Path | str
        if "://" in item.source and not item.source.startswith("file://"):
            from ...remote_storage import check_readable

            check_readable(item.source, f"{where}.source", f"'{where}.source'")  # copied in by the supervisor
            source = item.source
        else:
            source = _resolve_path(item.source, f"{where}.source", base_dir, root_dir)
            if not source.exists():
                raise Invalid(f"'{where}.source' {source} does not exist. Check the path.", field=f"{where}.source")
        dest = container_path(item.destination, f"{where}.destination", f"'{where}.destination'")
        if has_code and _is_within(dest, CODE_DIR):
            raise Invalid(
                f"'{where}.destination' {dest} is where the job's code goes ({CODE_DIR}); choose another folder.",
                field=f"{where}.destination",
            )
        if dest in destinations:
            raise Invalid(
                f"'{where}.destination' {dest} is also input {destinations[dest]!r}'s destination; give each input its own folder.",
                field=f"{where}.destination",
            )
        destinations[dest] = name
        out.append({"name": name, "source": str(source), "destination": dest})
    return out


def _outputs(req: CreateProcessingJobRequest, base_dir: Path, root_dir: Path | None, backend: str) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    names: set[str] = set()
    sources: dict[str, str] = {}
    for i, item in enumerate(req.outputs or []):
        where = f"outputs[{i}]"
        name = _name(item.output_name, f"output-{i + 1}", f"{where}.output_name", names)
        source = container_path(item.source, f"{where}.source", f"'{where}.source'")
        if source in sources:
            raise Invalid(
                f"'{where}.source' {source} is also output {sources[source]!r}'s source; give each output its own folder.",
                field=f"{where}.source",
            )
        sources[source] = name
        destination: str | None = None
        if item.destination:
            _check_text(item.destination, f"{where}.destination", f"'{where}.destination'")
            if "://" in item.destination and not item.destination.startswith("file://"):
                from ...remote_storage import check_writable_prefix

                check_writable_prefix(item.destination, f"{where}.destination", f"'{where}.destination'")
                out.append({"name": name, "source": source, "destination": item.destination.rstrip("/")})
                continue
            if backend != "local":
                raise Invalid(
                    f"'{where}.destination' {item.destination} is a folder on this machine, which a job on the {backend} "
                    "backend cannot write: give an s3:// destination, or none (the artifact store).",
                    field=f"{where}.destination",
                )
            dest_path = _resolve_path(item.destination, f"{where}.destination", base_dir, root_dir)
            if dest_path.exists() and not dest_path.is_dir():
                raise Invalid(f"'{where}.destination' {dest_path} is a file; outputs are copied into a folder.", field=f"{where}.destination")
            destination = str(dest_path)
        out.append({"name": name, "source": source, "destination": destination})
    return out


def _words(values: list[str] | None, field_name: str, what: str) -> list[str]:
    for i, value in enumerate(values or []):
        _check_text(value, field_name, f"{what}[{i}]")
    return list(values or [])


def parse_processing_spec(
    data: Mapping[str, Any] | CreateProcessingJobRequest,
    *,
    base_dir: Path | None = None,
    root_dir: Path | None = None,
    now: float | None = None,
    default_backend: str | None = None,
) -> ProcessingSpec:
    """Validate a request. Relative paths are taken from base_dir; root_dir (REST) confines them.

    The checks of independent fields all run: the `Invalid` raised carries every problem
    found (its shape's and the paths', names' and commands' below)."""
    problems = Problems()
    req = parse_all(CreateProcessingJobRequest, data, problems)
    if req is None:
        problems.raise_any()
    assert req is not None
    base_dir = (base_dir or root_dir or Path.cwd()).resolve()
    backend = req.backend or default_backend or Settings.from_env().job_backend  # the settings' LABSTUDIO_BACKEND when the request names none
    if req.instance_count not in (None, 1):
        problems.add(Invalid(f"'instance_count' is {req.instance_count}: processing jobs run on one host; use 1.", field="instance_count"))
    launch = problems.check(_launch, req)
    script = problems.check(_script, req, base_dir, root_dir)
    fields = dict(
        arguments=problems.check(_words, req.arguments, "arguments", "'arguments'"),
        inputs=problems.check(_inputs, req, base_dir, root_dir, req.code is not None),
        outputs=problems.check(_outputs, req, base_dir, root_dir, backend),
        environment=problems.check(_string_map, req.environment, "environment", ENV_KEY_RE),
        experiment_name=problems.check(_group_name, req.experiment_name, "experiment_name"),
        tags=problems.check(_string_map, req.tags, "tags"),
        trial_name=problems.check(_group_name, req.trial_name, "trial_name"),
    )
    problems.raise_any()
    assert launch is not None and script is not None
    command, entrypoint = launch
    code, source_dir, single = script
    stem_of = code if code is not None else (entrypoint or ["job"])[-1]
    return ProcessingSpec(
        name=req.name or generate_name(posixpath.basename(stem_of), now),
        code=code,
        source_dir=source_dir,
        source_is_single_file=single,
        command=command,
        entrypoint=entrypoint,
        max_runtime_seconds=req.max_runtime_seconds,
        backend=backend,
        install_requirements=req.install_requirements is not False,
        **fields,  # type: ignore[arg-type]  # every check passed: no None left where a value is due
    )


def _launch(req: CreateProcessingJobRequest) -> tuple[list[str] | None, list[str] | None]:
    """(command, entrypoint): a script run with a command, or a command of its own."""
    if req.code is not None and req.entrypoint is not None:
        raise Invalid("give either 'code' (a script, run with 'command') or 'entrypoint' (a command), not both.", field="entrypoint")
    if req.code is None and not req.entrypoint:
        raise Invalid("'code' is required: the processing script to run, e.g. 'preprocess.py' (or give 'entrypoint', a command).", field="code")
    if req.command is not None and not (req.command and req.command[0].strip()):
        raise Invalid("'command' must start with a program, e.g. [\"python3\"]; its first word is empty.", field="command")
    if req.entrypoint is not None and req.entrypoint and not req.entrypoint[0].strip():
        raise Invalid(
            "'entrypoint' must start with a program to run, e.g. [\"python3\", \"/opt/ml/processing/input/code/run.py\"]; its first word is empty.",
            field="entrypoint",
        )
    command = _words(req.command, "command", "'command'") or None
    entrypoint = _words(req.entrypoint, "entrypoint", "'entrypoint'") or None
    if req.code is not None and req.entrypoint is None and command is None:
        command = list(DEFAULT_COMMAND)
    return command, entrypoint


def _script(req: CreateProcessingJobRequest, base_dir: Path, root_dir: Path | None) -> tuple[str | None, str | None, bool]:
    """(script relative to its folder, the folder, whether the folder holds the script alone); Nones without `code`."""
    if req.code is None:
        if req.source_dir:
            raise Invalid("'source_dir' goes with 'code' (the script inside it); with 'entrypoint' pass the files as inputs.", field="source_dir")
        return None, None, False
    if not req.code.strip():
        raise Invalid("'code' is required: the processing script to run, e.g. 'preprocess.py'.", field="code")
    _check_text(req.code, "code", "'code'")
    if req.source_dir:
        _check_text(req.source_dir, "source_dir", "'source_dir'")
        folder = _resolve_path(req.source_dir, "source_dir", base_dir, root_dir)
        if not folder.is_dir():
            raise Invalid(f"'source_dir' {folder} is not a folder.", field="source_dir")
        script = (folder / req.code).resolve()
        if folder not in script.parents:
            raise Invalid(f"'code' {req.code!r} must be inside source_dir {folder}.", field="code")
        if not script.is_file():
            raise Invalid(f"'code' {req.code!r} was not found in source_dir {folder}.", field="code")
        return str(script.relative_to(folder)), str(folder), False
    script = _resolve_path(req.code, "code", base_dir, root_dir)
    if not script.is_file():
        raise Invalid(f"'code' {script} does not exist or is not a file.", field="code")
    return script.name, str(script.parent), True
