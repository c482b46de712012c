"""The search: SageMaker's strategies mapped onto Optuna, and a study rebuilt from the store.

- Bayesian  -> TPESampler (constant liar, so parallel trials do not all ask for the same point)
- Random    -> RandomSampler
- Grid      -> GridSampler over every Integer and Categorical value (Continuous is refused
               at submit: a grid needs a finite set)
- Hyperband -> TPESampler with HyperbandPruner (resource = the objective's step)
`random_seed` seeds the sampler. The study lives in memory and is rebuilt from the store every
time a tuner process starts: warm-start parents' points and finished trials are added with
`create_trial`, trials still running are added as RUNNING (with the sampler's own per-trial
attributes, e.g. the grid point, so a resumed grid never repeats a point), and new points come
from ask/tell. No Optuna storage of its own: all state is in labstudio's store.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import TrialState, create_trial

from .ranges import Value
from .spec import TuningSpec

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

HYPERBAND_REDUCTION_FACTOR = 3


@dataclass(frozen=True)
class Outcome:
    """A trial as the search learns it: its tuned values and how it ended.

    state: "complete" (value is the objective), "pruned" (stopped early; `curve` holds what it
    reported), "fail" (no objective), or "running" (still training)."""

    params: dict[str, Any]
    state: str
    value: float | None = None
    curve: Sequence[tuple[int, float]] = ()
    system_attrs: dict[str, Any] = field(default_factory=dict)


def distributions(spec: TuningSpec) -> dict[str, BaseDistribution]:
    return {r.name: r.distribution() for r in spec.ranges}


def make_sampler(spec: TuningSpec) -> optuna.samplers.BaseSampler:
    seed = spec.random_seed
    if spec.strategy == "Random":
        return optuna.samplers.RandomSampler(seed=seed)
    if spec.strategy == "Grid":
        space = {r.name: [r.to_search(v) for v in r.grid_values()] for r in spec.ranges}
        return optuna.samplers.GridSampler(space, seed=seed)
    if spec.strategy in ("Bayesian", "Hyperband"):
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    raise ValueError(f"unknown strategy {spec.strategy!r}")  # parse_tuning_request refused it already


def make_pruner(spec: TuningSpec) -> optuna.pruners.BasePruner:
    if spec.strategy == "Hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource="auto", reduction_factor=HYPERBAND_REDUCTION_FACTOR)
    return optuna.pruners.NopPruner()


def fits(spec: TuningSpec, params: dict[str, Any]) -> bool:
    """Whether a parent's point lies in this job's search space (every tuned name, in range)."""
    for r in spec.ranges:
        if r.name not in params or not r.contains(params[r.name]):
            return False
    return True


class Search:
    """One tuning job's Optuna study plus the mapping from our trial numbers to its trials."""

    def __init__(self, spec: TuningSpec) -> None:
        self.spec = spec
        self.dists = distributions(spec)
        direction = optuna.study.StudyDirection.MINIMIZE if spec.minimize else optuna.study.StudyDirection.MAXIMIZE
        self.study = optuna.create_study(direction=direction, sampler=make_sampler(spec), pruner=make_pruner(spec))
        self.handles: dict[int, optuna.trial.Trial] = {}  # our trial number -> the study's running trial
        self.reported: dict[int, int] = {}  # our trial number -> steps reported so far

    # -- rebuilding -----------------------------------------------------------------

    def _search_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {r.name: r.to_search(params[r.name]) for r in self.spec.ranges}

    def add_parent_points(self, points: Iterable[tuple[dict[str, Any], float]]) -> int:
        """Warm start: parents' finished points that fit this search space; how many were added."""
        added = 0
        for params, value in points:
            if value is None or math.isnan(value) or not fits(self.spec, params):
                continue
            self.study.add_trial(
                create_trial(params=self._search_params(params), distributions=self.dists, value=value, user_attrs={"warm_start": True})
            )
            added += 1
        return added

    def add(self, number: int, outcome: Outcome) -> None:
        """A trial of this job known from the store (finished, or still running)."""
        params = self._search_params(outcome.params)
        curve = {step: v for step, v in outcome.curve if not math.isnan(v)}
        attrs = dict(outcome.system_attrs)
        if outcome.state == "running":
            self.study.add_trial(create_trial(state=TrialState.RUNNING, params=params, distributions=self.dists, system_attrs=attrs))
            frozen = self.study.get_trials(deepcopy=False)[-1]
            self.handles[number] = optuna.trial.Trial(self.study, frozen._trial_id)
            self.reported[number] = 0
            return
        if outcome.state == "complete" and outcome.value is not None and not math.isnan(outcome.value):
            trial = create_trial(params=params, distributions=self.dists, value=outcome.value, intermediate_values=curve, system_attrs=attrs)
        elif outcome.state == "pruned" and curve:
            trial = create_trial(state=TrialState.PRUNED, params=params, distributions=self.dists, intermediate_values=curve, system_attrs=attrs)
        else:
            trial = create_trial(state=TrialState.FAIL, params=params, distributions=self.dists, system_attrs=attrs)
        self.study.add_trial(trial)

    # -- asking and telling ---------------------------------------------------------------

    def ask(self, number: int) -> tuple[dict[str, Value], dict[str, Any]]:
        """The next point: (hyperparameter values, the sampler's attributes to keep with it)."""
        trial = self.study.ask(self.dists)
        self.handles[number] = trial
        self.reported[number] = 0
        values = {r.name: r.from_search(trial.params[r.name]) for r in self.spec.ranges}
        attrs = self.study.get_trials(deepcopy=False)[trial.number].system_attrs
        return values, dict(attrs)

    def report(self, number: int, curve: Sequence[tuple[int, float]]) -> bool:
        """Feed new objective points of a running trial; True when the pruner (Hyperband) says stop."""
        trial = self.handles.get(number)
        if trial is None:
            return False
        fresh = [(s, v) for s, v in curve if s >= self.reported.get(number, 0) and not math.isnan(v)]
        for step, value in fresh:
            trial.report(value, step)
        if curve:
            self.reported[number] = max(self.reported.get(number, 0), curve[-1][0] + 1)
        return bool(fresh) and self.spec.strategy == "Hyperband" and trial.should_prune()

    def tell(self, number: int, outcome: Outcome) -> None:
        trial = self.handles.pop(number, None)
        if trial is None:
            return
        self.report(number, outcome.curve)
        self.reported.pop(number, None)
        try:
            if outcome.state == "complete" and outcome.value is not None and not math.isnan(outcome.value):
                self.study.tell(trial, outcome.value)
            elif outcome.state == "pruned" and any(not math.isnan(v) for _, v in outcome.curve):
                self.study.tell(trial, state=TrialState.PRUNED)
            else:
                self.study.tell(trial, state=TrialState.FAIL)
        except RuntimeError:
            # GridSampler.after_trial calls study.stop() once every grid point was handed out,
            # which Optuna only allows inside study.optimize(). Nothing is left to ask for then:
            # the tuner stops at max_jobs (at most the grid's size) on its own.
            if self.spec.strategy != "Grid":
                raise
