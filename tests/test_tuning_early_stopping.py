"""SageMaker's median early-stopping rule, on hand-made objective curves."""
from __future__ import annotations

import math

from labstudio.tuning.early_stopping import MIN_STEPS, MIN_TRIALS, median_threshold, running_average, should_stop

# Three earlier trials; running averages up to step 2: 2.0, 3.0, 4.0 -> median 3.0
EARLIER = [[3.0, 2.0, 1.0, 0.5], [4.0, 3.0, 2.0, 1.0], [5.0, 4.0, 3.0, 2.0]]


def test_running_average_and_median() -> None:
    assert running_average([3.0, 2.0, 1.0, 0.5], 2) == 2.0
    assert running_average([math.nan, 2.0, 4.0], 2) == 3.0
    assert median_threshold(2, EARLIER) == 3.0
    assert median_threshold(3, EARLIER) == 2.5  # averages 1.625, 2.5, 3.5


def test_a_trial_worse_than_the_median_of_running_averages_is_stopped() -> None:
    assert should_stop([9.0, 8.0, 7.0], EARLIER, minimize=True)
    # best so far (3.1) is still above the median 3.0
    assert should_stop([3.5, 3.2, 3.1], EARLIER, minimize=True)


def test_a_trial_as_good_as_the_median_keeps_running() -> None:
    assert not should_stop([9.0, 8.0, 3.0], EARLIER, minimize=True)  # its best equals the median
    assert not should_stop([9.0, 2.5, 8.0], EARLIER, minimize=True)  # it once did better than the median


def test_maximizing_turns_the_rule_around() -> None:
    assert not should_stop([9.0, 8.0, 7.0], EARLIER, minimize=False)
    assert should_stop([1.0, 2.0, 2.5], EARLIER, minimize=False)


def test_no_decision_in_the_first_steps() -> None:
    assert MIN_STEPS == 3
    assert not should_stop([100.0], EARLIER, minimize=True)
    assert not should_stop([100.0, 100.0], EARLIER, minimize=True)
    assert should_stop([100.0, 100.0, 100.0], EARLIER, minimize=True)


def test_no_decision_before_enough_earlier_trials_reached_the_step() -> None:
    assert MIN_TRIALS == 3
    assert not should_stop([9.0, 8.0, 7.0], EARLIER[:2], minimize=True)
    # an earlier trial that stopped at step 1 does not count at step 2
    assert not should_stop([9.0, 8.0, 7.0], [*EARLIER[:2], [1.0, 1.0]], minimize=True)
    # at step 3 only trials with 4 values count
    assert not should_stop([9.0, 8.0, 7.0, 6.0], [*EARLIER[:2], [1.0, 1.0, 1.0]], minimize=True)


def test_nan_values_are_ignored() -> None:
    assert not should_stop([math.nan, math.nan, math.nan], EARLIER, minimize=True)
    assert should_stop([math.nan, 8.0, 7.0], EARLIER, minimize=True)
    assert not should_stop([math.nan, 8.0, 1.0], EARLIER, minimize=True)
