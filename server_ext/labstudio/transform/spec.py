"""A transform job's specification and its validation (before anything is created).

Every client (REST, CLI, SDK, magics) builds the same snake_case dict; `parse_transform_spec`
turns it into a TransformSpec or raises `Invalid` naming the field and the fix.
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import Invalid, Problems
from ..paths import confine, resolve
from ..serving.spec import SERVING_FRAMEWORK_ENV, check_serving_framework
from ..shapes.transform import CreateTransformJobRequest
from ..shapes.validate import parse_all
from . import dataproc, jsonpath
from .files import input_files
from .records import SPLIT_TYPES, STRATEGIES

MAX_PAYLOAD_MB = 100  # SageMaker's upper limit for MaxPayloadInMB
MAX_CONCURRENT = 64
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class TransformSpec:
    name: str
    model: str  # what the user named: a training job, a model archive, folder or file
    model_name: str  # ModelName in describe
    entry_point: str | None
    source_dir: str | None
    input_path: str  # absolute file or folder
    output_path: str  # absolute folder
    content_type: str | None
    split_type: str
    compression_type: str
    accept: str | None
    assemble_with: str
    strategy: str
    max_payload_mb: int
    max_concurrent: int
    input_filter: str
    output_filter: str
    join_source: str
    environment: dict[str, str] = field(default_factory=dict)
    instance_type: str = "local"
    instance_count: int = 1
    tags: dict[str, str] = field(default_factory=dict)
    backend: str = "local"
    install_requirements: bool = True  # pip install the code's requirements.txt first (serving/requirements.py)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransformSpec:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def generate_name(model: str, now: float | None = None) -> str:
    """SageMaker's `<base>-YYYY-MM-DD-HH-MM-SS-mmm`, the base taken from the model's name."""
    base = Path(model.rstrip("/")).name
    for suffix in (".tar.gz", ".tgz", ".joblib", ".pkl", ".pickle"):
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
    base = re.sub(r"-\d{4}(-\d{2}){5}-\d{3}\Z", "", base)  # a training job's own timestamp
    base = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-") or "transform"
    now = time.time() if now is None else now
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"
    return f"{base[: 63 - len(stamp) - 1].rstrip('-')}-{stamp}"


def _path(raw: str, field_name: str, base_dir: Path, root_dir: Path | None) -> Path:
    if "\0" in raw:
        raise Invalid(f"'{field_name}' contains a NUL byte; remove it.", field=field_name)
    return confine(resolve(raw, base_dir, field_name), field_name, [root_dir] if root_dir else None, raw)


def _filter(text: str | None, field_name: str) -> str:
    try:
        return jsonpath.parse(text).text
    except ValueError as exc:
        raise Invalid(f"'{field_name}' is not a JSONPath SageMaker accepts: {exc}.", field=field_name) from None


def _source(raw: str, base_dir: Path, root_dir: Path | None) -> Path | str:
    """The input: a URL (checked readable now, copied in by the runner) or an existing file or
    folder with files."""
    from ..remote_storage import check_readable, is_remote

    if is_remote(raw):
        check_readable(raw, "input", "'input'")
        return raw.rstrip("/")
    source = _path(raw, "input", base_dir, root_dir)
    if not source.exists():
        raise Invalid(f"'input' {source} does not exist; give a file or a folder of files to transform.", field="input")
    if not input_files(source):
        raise Invalid(f"'input' {source} holds no files to transform.", field="input")
    return source


def _output(raw: str, source: Path | str | None, backend: str, base_dir: Path, root_dir: Path | None) -> Path | str:
    """The output folder: a URL (checked writable now) or a local folder outside the input."""
    from ..remote_storage import check_writable_prefix, is_remote

    if is_remote(raw):
        check_writable_prefix(raw, "output_path", "'output_path'")
        output = raw.rstrip("/")
        if isinstance(source, str) and (output == source or output.startswith(source + "/")):
            raise Invalid(f"'output_path' {output} is inside the input {source}; a later transform would read the outputs.", field="output_path")
        return output
    if backend != "local":
        raise Invalid(
            f"'output_path' {raw} is a folder on this machine, which a job on the {backend} backend cannot write: give an s3:// output_path.",
            field="output_path",
        )
    path = _path(raw, "output_path", base_dir, root_dir)
    if path.exists() and not path.is_dir():
        raise Invalid(f"'output_path' {path} is a file; give a folder for the .out files.", field="output_path")
    if isinstance(source, Path) and (path == source or (source.is_dir() and source in path.parents)):
        raise Invalid(f"'output_path' {path} is inside the input {source}; a later transform would read the outputs.", field="output_path")
    return path


def _options(req: CreateTransformJobRequest) -> tuple[str, str, int, int, str, str, str]:
    """(split_type, strategy, max payload MB, concurrent transforms, input filter, output filter, join source)."""
    split_type = req.split_type or "None"
    if split_type not in SPLIT_TYPES:
        raise Invalid(f"'split_type' must be one of {', '.join(SPLIT_TYPES)}, got {split_type!r}.", field="split_type")
    strategy = req.strategy or ("MultiRecord" if split_type != "None" else "SingleRecord")
    if strategy not in STRATEGIES:
        raise Invalid(f"'strategy' must be SingleRecord or MultiRecord, got {strategy!r}.", field="strategy")
    max_payload = 6 if req.max_payload is None else req.max_payload
    if not 1 <= max_payload <= MAX_PAYLOAD_MB:
        raise Invalid(f"'max_payload' is in MB and must be between 1 and {MAX_PAYLOAD_MB}, got {max_payload}.", field="max_payload")
    concurrent = 1 if req.max_concurrent_transforms is None else req.max_concurrent_transforms
    if not 1 <= concurrent <= MAX_CONCURRENT:
        raise Invalid(f"'max_concurrent_transforms' must be between 1 and {MAX_CONCURRENT}, got {concurrent}.", field="max_concurrent_transforms")
    input_filter = _filter(req.input_filter, "input_filter")
    output_filter = _filter(req.output_filter, "output_filter")
    join_source = req.join_source or "None"
    processing = input_filter != "$" or output_filter != "$" or join_source == "Input"
    if processing:
        if split_type == "RecordIO":
            raise Invalid("input_filter, output_filter and join_source work on CSV and JSON records, not RecordIO; remove them.", field="split_type")
        if dataproc.record_format(req.content_type) is None:
            raise Invalid(
                f"input_filter, output_filter and join_source need 'content_type' {', '.join(dataproc.FILTERABLE)}, "
                f"got {req.content_type!r}.",
                field="content_type",
            )
    if join_source == "Input" and dataproc.record_format(req.content_type) == "json" and dataproc.record_format(req.accept or req.content_type) is None:
        raise Invalid("join_source 'Input' on JSON records needs a JSON or CSV 'accept'.", field="accept")
    return split_type, strategy, max_payload, concurrent, input_filter, output_filter, join_source


def _environment(values: Mapping[str, Any] | None) -> dict[str, str]:
    environment: dict[str, str] = {}
    for key, value in (values or {}).items():
        if not ENV_KEY_RE.match(key):
            raise Invalid(f"'environment' has an invalid name {key!r}.", field="environment")
        if "\0" in str(value):
            raise Invalid(f"'environment.{key}' contains a NUL byte.", field="environment")
        environment[key] = str(value)
    check_serving_framework(environment.get(SERVING_FRAMEWORK_ENV), "environment")
    return environment


def _source_dir(raw: str | None, base_dir: Path, root_dir: Path | None) -> str | None:
    if not raw:
        return None
    folder = _path(raw, "source_dir", base_dir, root_dir)
    if not folder.is_dir():
        raise Invalid(f"'source_dir' {folder} is not a folder.", field="source_dir")
    return str(folder)


def parse_transform_spec(
    data: Mapping[str, Any] | CreateTransformJobRequest,
    *,
    base_dir: Path | None = None,
    root_dir: Path | None = None,
    now: float | None = None,
    default_backend: str | None = None,
) -> TransformSpec:
    """Validate a request. Relative paths are taken from base_dir; root_dir (REST) confines them.

    The model itself (a job that must be Completed, an archive that must exist) is checked
    by the service, which can look jobs up.
    """
    problems = Problems()
    req = parse_all(CreateTransformJobRequest, data, problems)
    if req is None:
        problems.raise_any()
    assert req is not None
    base_dir = (base_dir or root_dir or Path.cwd()).resolve()
    if not req.model.strip() or "\0" in req.model:
        problems.add(Invalid("'model' is required: a completed training job's name, or a model archive, folder or file.", field="model"))

    backend = req.backend or default_backend or Settings.from_env().job_backend  # the settings' LABSTUDIO_BACKEND when the request names none
    # An empty path would be the Jupyter root itself: say the field is missing instead.
    if not req.input.strip():
        problems.add(Invalid("'input' is required: a file, or a folder of files to transform (e.g. data/test).", field="input"))
    if not req.output_path.strip():
        problems.add(Invalid("'output_path' is required: the folder that receives the .out files (e.g. scored).", field="output_path"))
    source = problems.check(_source, req.input, base_dir, root_dir) if req.input.strip() else None
    output = problems.check(_output, req.output_path, source, backend, base_dir, root_dir) if req.output_path.strip() else None
    options = problems.check(_options, req)
    environment = problems.check(_environment, req.environment)
    source_dir = problems.check(_source_dir, req.source_dir, base_dir, root_dir)
    problems.raise_any()
    assert source is not None and output is not None and options is not None
    split_type, strategy, max_payload, concurrent, input_filter, output_filter, join_source = options
    name = req.name or generate_name(req.model_name or req.model, now)
    return TransformSpec(
        name=name,
        model=req.model,
        model_name=req.model_name or req.model,
        entry_point=req.entry_point or None,
        source_dir=source_dir,
        input_path=str(source),
        output_path=str(output),
        content_type=req.content_type or None,
        split_type=split_type,
        compression_type=req.compression_type or "None",
        accept=req.accept or None,
        assemble_with=req.assemble_with or "None",
        strategy=strategy,
        max_payload_mb=max_payload,
        max_concurrent=concurrent,
        input_filter=input_filter,
        output_filter=output_filter,
        join_source=join_source,
        environment=environment or {},
        instance_type=req.instance_type or "local",
        instance_count=req.instance_count or 1,
        tags={k: str(v) for k, v in (req.tags or {}).items()},
        backend=backend,
        install_requirements=req.install_requirements is not False,
    )
