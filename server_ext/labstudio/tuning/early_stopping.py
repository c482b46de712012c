"""SageMaker's automatic early stopping ("Auto"), as a pure function of objective curves.

SageMaker's rule: after each step of a training job, compare its objective so far with the
median of the running averages of the objective of the earlier training jobs up to the same
step; stop the job when it is worse. We read "its objective so far" as the best value it has
reached by that step (the most forgiving reading: a trial that once did well keeps running),
and "earlier training jobs" as the finished trials of the same tuning job (they are fixed,
so the decision depends only on what is already known, not on which trial is faster).

Optuna's MedianPruner is not this rule (it takes the median of the other trials' values AT
the step, not of their running averages), so the rule is written here, on plain lists.

Guards, so noise at the start does not kill trials:
- no decision before a trial has reported MIN_STEPS values (steps 0 .. MIN_STEPS-1);
- no decision until MIN_TRIALS earlier trials reached the same step (a trial stopped early,
  or one that reported fewer values, does not count at steps it never reached).
NaN values are ignored (a diverged step says nothing about the median).
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

MIN_STEPS = 3
MIN_TRIALS = 3


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]


def running_average(curve: Sequence[float], step: int) -> float | None:
    """The mean of a curve's values at steps 0..step (NaNs ignored), or None if it has none."""
    values = _finite(curve[: step + 1])
    return sum(values) / len(values) if values else None


def median_threshold(step: int, earlier: Sequence[Sequence[float]], min_trials: int = MIN_TRIALS) -> float | None:
    """The median of the earlier trials' running averages up to `step`, or None when fewer
    than `min_trials` of them reached that step."""
    averages = [a for c in earlier if len(c) > step for a in [running_average(c, step)] if a is not None]
    if len(averages) < min_trials:
        return None
    return float(statistics.median(averages))


def should_stop(
    curve: Sequence[float],
    earlier: Sequence[Sequence[float]],
    *,
    minimize: bool,
    min_steps: int = MIN_STEPS,
    min_trials: int = MIN_TRIALS,
) -> bool:
    """Whether a trial whose objective values so far (step 0, 1, ...) are `curve` should stop now.

    `earlier` holds the objective curves of the earlier (finished) trials. The decision is
    made at the trial's latest step t = len(curve) - 1: stop when the best value of
    curve[0..t] is worse than the median of the earlier curves' running averages up to t.
    """
    if len(curve) < min_steps:
        return False
    step = len(curve) - 1
    values = _finite(curve)
    if not values:
        return False
    threshold = median_threshold(step, earlier, min_trials)
    if threshold is None:
        return False
    best = min(values) if minimize else max(values)
    return best > threshold if minimize else best < threshold
