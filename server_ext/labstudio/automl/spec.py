"""An AutoML job's request, SageMaker's CreateAutoMLJob shape, checked into an `AutoMLSpec`.

Every field is checked before anything is created; the data themselves are checked by the
service (automl/data.py) before the job is recorded. The spec is what the runner reads back
from the store when it starts or resumes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Invalid
from ..paths import confine, resolve
from .problem import (
    DEFAULT_MAX_CANDIDATES,
    DEFAULT_VALIDATION_FRACTION,
    METRICS,
    MIN_JOB_SECONDS,
    MIN_TRAINING_JOB_SECONDS,
    MODES,
    PROBLEM_TYPES,
)

# SageMaker's AutoMLJobName: 1 to 32 letters, digits and hyphens.
NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}\Z")
MAX_CANDIDATES_LIMIT = 1000


@dataclass(frozen=True)
class AutoMLSpec:
    name: str
    input: str  # a local CSV or Parquet file, or a folder of them
    target: str
    output_path: str  # where the notebooks and the candidates' archives go
    problem_type: str | None = None
    objective: str | None = None
    max_candidates: int = DEFAULT_MAX_CANDIDATES
    max_runtime_per_training_job: int | None = None
    max_total_runtime: int | None = None
    mode: str = "AUTO"
    validation_fraction: float = DEFAULT_VALIDATION_FRACTION
    role: str | None = None
    generate_candidate_definitions_only: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AutoMLSpec:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _get(tree: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(tree, Mapping):
            return None
        tree = tree.get(key)
    return tree


def _whole(value: Any, field_name: str, minimum: int, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field_name} must be a whole number, got {value!r}.", field=field_name)
    if value < minimum:
        raise Invalid(f"{field_name} is {value}: {what}", field=field_name)
    return value


def parse_request(request: Mapping[str, Any], *, base_dir: Path | None = None, root_dir: Path | None = None,
                  default_output: str) -> AutoMLSpec:
    """CreateAutoMLJob's request (a mapping) as a spec. Raises Invalid naming the field and the fix."""
    name = request.get("AutoMLJobName")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise Invalid(f"AutoMLJobName {name!r} is not valid: use 1 to 32 letters, digits and hyphens, starting and ending with a "
                      "letter or digit.", field="AutoMLJobName")
    channels = request.get("InputDataConfig")
    if not isinstance(channels, list) or len(channels) != 1 or not isinstance(channels[0], Mapping):
        raise Invalid("InputDataConfig must hold one channel: the data file or folder and its TargetAttributeName.", field="InputDataConfig")
    channel = channels[0]
    uri = _get(channel, "DataSource", "S3DataSource", "S3Uri")
    if not isinstance(uri, str) or not uri.strip():
        raise Invalid("InputDataConfig[0].DataSource.S3DataSource.S3Uri must name the data: a CSV or Parquet file, or a folder of them.",
                      field="InputDataConfig[0].DataSource.S3DataSource.S3Uri")
    uri = uri.strip()
    if "://" in uri and not uri.startswith("file://"):
        raise Invalid(f"InputDataConfig[0].DataSource.S3DataSource.S3Uri {uri!r} is remote; labstudio's AutoML reads local data "
                      "(session.upload_data keeps a local copy: give its path).", field="InputDataConfig[0].DataSource.S3DataSource.S3Uri")
    where = base_dir or Path.cwd()
    path = confine(resolve(uri[len("file://"):] if uri.startswith("file://") else uri, where, "InputDataConfig"), "InputDataConfig",
                   [root_dir] if root_dir else None, uri)
    try:
        found = path.exists()
    except OSError as exc:  # a name too long for the file system, a loop of links...
        raise Invalid(f"InputDataConfig: {uri[:80]!r} cannot be a data file here ({exc.strerror}).",
                      field="InputDataConfig[0].DataSource.S3DataSource.S3Uri") from None
    if not found:
        raise Invalid(f"InputDataConfig: {path} does not exist; give a CSV or Parquet file, or a folder of them.",
                      field="InputDataConfig[0].DataSource.S3DataSource.S3Uri")
    if channel.get("CompressionType") not in (None, "None"):
        raise Invalid("InputDataConfig[0].CompressionType: compressed input is not read; give the uncompressed CSV or Parquet file.",
                      field="InputDataConfig[0].CompressionType")
    target = channel.get("TargetAttributeName")
    if not isinstance(target, str) or not target.strip():
        raise Invalid("InputDataConfig[0].TargetAttributeName must name the column to predict.", field="InputDataConfig[0].TargetAttributeName")
    given = _get(request, "OutputDataConfig", "S3OutputPath")
    output = given or default_output
    if not isinstance(output, str):
        raise Invalid("OutputDataConfig.S3OutputPath must be a folder or URI.", field="OutputDataConfig.S3OutputPath")
    if given and ("://" not in output or output.startswith("file://")):  # the default (the artifact store) is the server's own
        output = str(confine(resolve(output[len("file://"):] if output.startswith("file://") else output, where, "OutputDataConfig"),
                             "OutputDataConfig.S3OutputPath", [root_dir] if root_dir else None, output))
    problem_type = request.get("ProblemType")
    if problem_type is not None and problem_type not in PROBLEM_TYPES:
        raise Invalid(f"ProblemType must be one of {', '.join(PROBLEM_TYPES)} (or left out to be inferred), got {problem_type!r}.",
                      field="ProblemType")
    objective = _get(request, "AutoMLJobObjective", "MetricName")
    if objective is not None:
        if objective not in METRICS:
            raise Invalid(f"AutoMLJobObjective.MetricName must be one of {', '.join(METRICS)}, got {objective!r}.",
                          field="AutoMLJobObjective.MetricName")
        if problem_type is not None and problem_type not in METRICS[objective].problem_types:
            raise Invalid(f"AutoMLJobObjective.MetricName {objective} does not fit ProblemType {problem_type}; it fits "
                          f"{', '.join(METRICS[objective].problem_types)}.", field="AutoMLJobObjective.MetricName")
    config = request.get("AutoMLJobConfig") or {}
    if not isinstance(config, Mapping):
        raise Invalid("AutoMLJobConfig must be an object.", field="AutoMLJobConfig")
    criteria = config.get("CompletionCriteria") or {}
    max_candidates = _whole(criteria.get("MaxCandidates"), "AutoMLJobConfig.CompletionCriteria.MaxCandidates", 1,
                            "at least one candidate is needed.")
    if max_candidates is not None and max_candidates > MAX_CANDIDATES_LIMIT:
        raise Invalid(f"AutoMLJobConfig.CompletionCriteria.MaxCandidates is at most {MAX_CANDIDATES_LIMIT}, got {max_candidates}.",
                      field="AutoMLJobConfig.CompletionCriteria.MaxCandidates")
    per_job = _whole(criteria.get("MaxRuntimePerTrainingJobInSeconds"), "AutoMLJobConfig.CompletionCriteria.MaxRuntimePerTrainingJobInSeconds",
                     MIN_TRAINING_JOB_SECONDS, f"too small for one candidate to start and be scored; give at least {MIN_TRAINING_JOB_SECONDS} s.")
    total = _whole(criteria.get("MaxAutoMLJobRuntimeInSeconds"), "AutoMLJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds",
                   MIN_JOB_SECONDS, f"too small for the data analysis and one candidate; give at least {MIN_JOB_SECONDS} s.")
    if per_job is not None and total is not None and per_job > total:
        per_job = total
    mode = config.get("Mode") or "AUTO"
    if mode not in MODES:
        raise Invalid(f"AutoMLJobConfig.Mode must be one of {', '.join(MODES)}, got {mode!r}.", field="AutoMLJobConfig.Mode")
    fraction = _get(config, "DataSplitConfig", "ValidationFraction")
    if fraction is None:
        fraction = DEFAULT_VALIDATION_FRACTION
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.05 <= float(fraction) <= 0.5:
        raise Invalid(f"AutoMLJobConfig.DataSplitConfig.ValidationFraction must be a number from 0.05 to 0.5, got {fraction!r}.",
                      field="AutoMLJobConfig.DataSplitConfig.ValidationFraction")
    tags = request.get("Tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, Mapping) and isinstance(t.get("Key"), str) for t in tags):
        raise Invalid("Tags must be a list of {Key, Value}.", field="Tags")
    return AutoMLSpec(
        name=name, input=str(path), target=target.strip(), output_path=output, problem_type=problem_type, objective=objective,
        max_candidates=max_candidates or DEFAULT_MAX_CANDIDATES, max_runtime_per_training_job=per_job, max_total_runtime=total,
        mode=mode, validation_fraction=float(fraction), role=request.get("RoleArn"),
        generate_candidate_definitions_only=bool(request.get("GenerateCandidateDefinitionsOnly")),
        tags={str(t["Key"]): str(t.get("Value", "")) for t in tags},
    )


__all__ = ["NAME_RE", "AutoMLSpec", "parse_request"]
