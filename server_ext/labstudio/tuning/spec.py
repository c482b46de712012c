"""A tuning job's specification: `CreateTuningJobRequest` validated into a frozen TuningSpec.

Everything a user can get wrong is refused here, before anything runs, with `Invalid`
naming the field: the trial template goes through the training job's own `parse_spec`
(paths, channels, metric regexes), then the objective, the ranges, the strategy and the
limits are checked together. Warm-start parents need the store: `service.py` checks them.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Invalid, Problems
from ..jobs.spec import JobSpec, parse_spec
from ..shapes import NAME_RE, NAME_RULE
from ..shapes.tuning import MAX_TUNING_NAME, CreateTuningJobRequest
from ..shapes.validate import parse_all
from .ranges import ParameterRange, ranges_from_request

STRATEGIES = ("Bayesian", "Random", "Grid", "Hyperband")
MAX_PARENTS = 5  # SageMaker's limit on warm-start parents
TUNING_TAG = "labstudio:tuning-job"
MAX_SEED = 2**32 - 1  # what Optuna's samplers (numpy's RandomState) accept


@dataclass(frozen=True)
class TuningSpec:
    name: str
    training: dict[str, Any]  # the trial template: a JobSpec's dict (its name is a placeholder)
    objective_metric_name: str
    objective_type: str
    ranges: tuple[ParameterRange, ...]
    strategy: str
    max_jobs: int  # the number of trials this job runs (a Grid's size when not given)
    max_parallel_jobs: int
    early_stopping_type: str = "Off"
    random_seed: int | None = None
    max_runtime_in_seconds: int | None = None
    warm_start_parents: tuple[str, ...] = ()
    warm_start_type: str | None = None
    experiment_name: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    max_jobs_requested: int | None = None  # as the user gave it (Grid: may be None)
    estimator_class: str | None = None  # the SDK estimator's `module.Class`, for HyperparameterTuner.attach

    @property
    def minimize(self) -> bool:
        return self.objective_type == "Minimize"

    @property
    def template(self) -> JobSpec:
        return JobSpec.from_dict(self.training)

    def range(self, name: str) -> ParameterRange | None:
        return next((r for r in self.ranges if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "training": self.training,
            "objective_metric_name": self.objective_metric_name,
            "objective_type": self.objective_type,
            "ranges": [r.to_dict() for r in self.ranges],
            "strategy": self.strategy,
            "max_jobs": self.max_jobs,
            "max_parallel_jobs": self.max_parallel_jobs,
            "early_stopping_type": self.early_stopping_type,
            "random_seed": self.random_seed,
            "max_runtime_in_seconds": self.max_runtime_in_seconds,
            "warm_start_parents": list(self.warm_start_parents),
            "warm_start_type": self.warm_start_type,
            "experiment_name": self.experiment_name,
            "tags": dict(self.tags),
            "max_jobs_requested": self.max_jobs_requested,
            "estimator_class": self.estimator_class,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TuningSpec:
        values = dict(data)
        values["ranges"] = tuple(ParameterRange.from_dict(r) for r in data["ranges"])
        values["warm_start_parents"] = tuple(data.get("warm_start_parents") or ())
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def generate_tuning_name(entry_point: str, now: float | None = None) -> str:
    """`<stem>-YYMMDD-HHMMSS-mmm` in at most 32 characters (SageMaker's tuning-name limit)."""
    stem = Path(entry_point).stem or "tuning"
    base = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-") or "tuning"
    now = time.time() if now is None else now
    stamp = time.strftime("%y%m%d-%H%M%S", time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"
    base = base[: MAX_TUNING_NAME - len(stamp) - 1].rstrip("-") or "tuning"
    return f"{base}-{stamp}"


def grid_size(ranges: tuple[ParameterRange, ...]) -> int:
    """How many points a grid search has (Invalid, field `strategy`, for a Continuous range)."""
    return math.prod(len(r.grid_values()) for r in ranges)


def parse_tuning_request(
    data: Mapping[str, Any] | CreateTuningJobRequest, *, base_dir: Path | None = None, root_dir: Path | None = None, now: float | None = None
) -> TuningSpec:
    """Validate a request into a TuningSpec (Invalid naming the field and the fix)."""
    problems = Problems()
    req = parse_all(CreateTuningJobRequest, data, problems)
    if req is None:
        problems.raise_any()
    assert req is not None
    for key in ("name", "experiment_name", "trial_name"):
        if getattr(req.training, key):
            problems.add(Invalid(
                f"'training.{key}' must be left unset: the tuning job names its trials and puts them in its experiment "
                f"(set 'experiment_name' on the tuning job instead).",
                field=f"training.{key}",
            ))
    try:
        template = parse_spec(req.training, base_dir=base_dir, root_dir=root_dir, now=now)
    except Invalid as exc:  # the trial template's fields live under `training`
        problems.add(_under_training(exc))
        template = None
    name = req.name or generate_tuning_name(template.entry_point if template else req.training.entry_point, now)
    if len(name) > MAX_TUNING_NAME or not NAME_RE.match(name):
        problems.add(Invalid(f"'name' {name!r} is invalid: use {NAME_RULE}, at most {MAX_TUNING_NAME} characters.", field="name"))

    metric_names = [d["Name"] for d in template.metric_definitions] if template else []
    if template is not None and req.objective_metric_name not in metric_names:
        known = ", ".join(repr(n) for n in metric_names) or "none: add one to training.metric_definitions"
        problems.add(Invalid(
            f"'objective_metric_name' {req.objective_metric_name!r} is not among the metric definitions ({known}); "
            "the tuner reads the objective from the log through one of them.",
            field="objective_metric_name",
        ))
    ranges = problems.check(
        ranges_from_request, req.hyperparameter_ranges, static=template.hyperparameters if template else dict(req.training.hyperparameters or {})
    )
    problems.check(_check_limits, req, ranges)
    problems.raise_any()
    assert template is not None and ranges is not None
    max_jobs = _max_jobs(req, ranges)
    parents: tuple[str, ...] = ()
    warm_type = None
    if req.warm_start is not None:
        parents = tuple(dict.fromkeys(req.warm_start.parents))
        warm_type = req.warm_start.type
    experiment = req.experiment_name.strip() if req.experiment_name is not None else name
    tags = dict(req.tags or {})

    return TuningSpec(
        name=name,
        training=template.to_dict(),
        objective_metric_name=req.objective_metric_name,
        objective_type=req.objective_type,
        ranges=ranges,
        strategy=req.strategy,
        max_jobs=max_jobs,
        max_parallel_jobs=req.max_parallel_jobs,
        early_stopping_type=req.early_stopping_type,
        random_seed=req.random_seed,
        max_runtime_in_seconds=req.max_runtime_in_seconds,
        warm_start_parents=parents,
        warm_start_type=warm_type,
        experiment_name=experiment,
        tags=tags,
        max_jobs_requested=req.max_jobs,
        estimator_class=_estimator_class(req.estimator_class),
    )


def _under_training(exc: Invalid) -> Invalid:
    """The trial template's problems, named under `training` (`training.entry_point`)."""
    moved = [
        Invalid(message.replace(f"'{field}'", f"'training.{field}'") if field else message, field=f"training.{field}" if field else "training")
        for message, field in exc.problems
    ]
    first, *rest = moved
    first.also(*rest)
    return first


def _max_jobs(req: CreateTuningJobRequest, ranges: tuple[ParameterRange, ...] | None) -> int:
    """The number of trials: max_jobs, or for Grid the size of the grid (at most max_jobs)."""
    if req.strategy == "Grid":
        size = grid_size(ranges or ())
        return min(req.max_jobs, size) if req.max_jobs is not None else size
    if req.max_jobs is None:
        raise Invalid(f"'max_jobs' is required for the {req.strategy} strategy: how many trials to run.", field="max_jobs")
    return req.max_jobs


def _check_limits(req: CreateTuningJobRequest, ranges: tuple[ParameterRange, ...] | None) -> None:
    """Strategy, trial counts, seed, warm start, experiment and tags (every problem at once)."""
    problems = Problems()
    if req.strategy not in STRATEGIES:  # the shape refuses it already; kept for dict callers
        problems.add(Invalid(f"'strategy' {req.strategy!r} is unknown; use one of {', '.join(STRATEGIES)}.", field="strategy"))
    elif req.strategy == "Grid" and req.warm_start is not None:
        problems.add(Invalid("Grid search tries every combination once; warm start does not apply to it. Use Bayesian or Random.", field="warm_start"))
    max_jobs = problems.check(_max_jobs, req, ranges) if ranges is not None or req.strategy != "Grid" else None
    if max_jobs is not None and req.max_parallel_jobs > max_jobs:
        problems.add(Invalid(
            f"'max_parallel_jobs' ({req.max_parallel_jobs}) is more than the {max_jobs} trial(s) this tuning job runs; "
            f"lower it to {max_jobs} or raise max_jobs.",
            field="max_parallel_jobs",
        ))
    if req.random_seed is not None and not 0 <= req.random_seed <= MAX_SEED:
        problems.add(Invalid(f"'random_seed' must be between 0 and {MAX_SEED}, got {req.random_seed}.", field="random_seed"))
    if req.warm_start is not None:
        parents = tuple(dict.fromkeys(req.warm_start.parents))
        if len(parents) > MAX_PARENTS:
            problems.add(Invalid(f"'warm_start.parents' names {len(parents)} tuning jobs; at most {MAX_PARENTS} can be parents.", field="warm_start.parents"))
        if req.name and req.name in parents:
            problems.add(Invalid(f"tuning job {req.name!r} cannot be its own warm-start parent.", field="warm_start.parents"))
    if req.experiment_name is not None:
        experiment = req.experiment_name.strip()
        if not 1 <= len(experiment) <= 120 or "\0" in experiment:
            problems.add(Invalid("'experiment_name' must be a non-empty string of at most 120 characters.", field="experiment_name"))
    for k, v in (req.tags or {}).items():
        if not k or "\0" in k or "\0" in v:
            problems.add(Invalid(f"'tags' has an invalid name or value {k!r}.", field="tags"))
            break
    problems.raise_any()


# A dotted `module.Class` path. Checked here rather than as a pattern in the shape: the OpenAPI
# document keeps one pattern, the resource-name rule (tests/test_shapes.py).
_CLASS_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def _estimator_class(value: str | None) -> str | None:
    if value is not None and not _CLASS_PATH.fullmatch(value):
        raise Invalid(
            f"'estimator_class' {value!r} is not a dotted `module.Class` path (e.g. labstudio.xgboost.XGBoost).",
            field="estimator_class",
        )
    return value
