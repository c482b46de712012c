"""HyperparameterTuner in-process: SageMaker's arguments and answers, a real local sweep, its
analytics, attach, deploying the best trial, the notebook widget, and ValueErrors that name
the argument before anything runs."""
from __future__ import annotations

import os
import re
import signal
import threading
import warnings
from pathlib import Path

import pytest

import labstudio
from conftest import wait_for
from labstudio.sdk.compat import SageMakerArgumentWarning
from labstudio.shapes import to_json
from labstudio.tuner import (
    CategoricalParameter,
    ContinuousParameter,
    HyperparameterTuner,
    IntegerParameter,
    WarmStartConfig,
    WarmStartTypes,
)

# A trial in about 0.1 s. Its loss is smallest at level=3, kind a; its model scales inputs by level (+10 for kind b).
TRAIN = """
import argparse, json, os, time
p = argparse.ArgumentParser()
p.add_argument("--level", type=float, default=0.0)
p.add_argument("--kind", default="a")
p.add_argument("--sleep", type=float, default=0.0)
a, _ = p.parse_known_args()
time.sleep(a.sleep)
print(f"loss={(a.level - 3) ** 2 + (0.5 if a.kind == 'b' else 0.0)}", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w").write(json.dumps({"scale": a.level + (10 if a.kind == "b" else 0)}))
"""
INFERENCE = """
import json, os
import numpy as np

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return json.load(f)

def predict_fn(data, model):
    return np.asarray(data) * model["scale"]
"""
METRICS = [{"Name": "loss", "Regex": "loss=([0-9.eE+-]+)"}]
COLUMNS = ["level", "kind", "TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "TrainingStartTime", "TrainingEndTime",
           "TrainingElapsedTimeSeconds"]


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LABSTUDIO_WIDGETS", "0")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(TRAIN)
    (tmp_path / "src" / "inference.py").write_text(INFERENCE)
    return tmp_path


def _estimator(**kwargs) -> labstudio.Estimator:
    return labstudio.Estimator("train.py", source_dir="src", metric_definitions=METRICS, **kwargs)


def _tuner(**overrides) -> HyperparameterTuner:
    args = {
        "objective_metric_name": "loss",
        "hyperparameter_ranges": {"level": IntegerParameter(2, 4), "kind": CategoricalParameter(["a", "b"])},
        "objective_type": "Minimize",
        "strategy": "Grid",
        "max_parallel_jobs": 2,
    }
    args.update(overrides)
    estimator = args.pop("estimator", None) or _estimator()
    return HyperparameterTuner(estimator, **args)


def test_fit_wait_best_analytics_attach_and_deploy_the_best_trial(project: Path, core, capsys: pytest.CaptureFixture[str]) -> None:
    assert labstudio.HyperparameterTuner is HyperparameterTuner
    tuner = _tuner(base_tuning_job_name="sdk-grid")
    tuner.fit(job_name="sdk-grid")  # waits: a line per finished trial, then the summary
    out = capsys.readouterr().out.splitlines()
    assert len([line for line in out if line.startswith("[")]) == 6
    assert out[-1].startswith("Tuning job sdk-grid: Completed") and "6 trials (6 completed, 0 stopped, 0 failed)" in out[-1]

    described = tuner.describe()
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["HyperParameterTuningJobConfig"]["Strategy"] == "Grid"
    assert described["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 6  # the grid's size
    best = tuner.best_training_job()
    assert best == described["BestTrainingJob"]["TrainingJobName"] and best.startswith("sdk-grid-")
    assert described["BestTrainingJob"]["TunedHyperParameters"] == {"level": "3", "kind": "a"}

    frame = tuner.analytics().dataframe()
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 6 and set(frame["TrainingJobStatus"]) == {"Completed"}
    assert sorted(zip(frame["level"], frame["kind"])) == sorted((float(x), k) for x in (2, 3, 4) for k in ("a", "b"))
    for _, row in frame.iterrows():
        assert row["FinalObjectiveValue"] == pytest.approx((row["level"] - 3) ** 2 + (0.5 if row["kind"] == "b" else 0.0))
        assert row["TrainingEndTime"] >= row["TrainingStartTime"]
        assert row["TrainingElapsedTimeSeconds"] == pytest.approx((row["TrainingEndTime"] - row["TrainingStartTime"]).total_seconds())
    assert frame.loc[frame["FinalObjectiveValue"].idxmin(), "TrainingJobName"] == best

    attached = HyperparameterTuner.attach("sdk-grid")
    assert attached.best_training_job() == best
    assert attached.objective_type == "Minimize" and attached.strategy == "Grid" and attached.max_parallel_jobs == 2
    assert attached.hyperparameter_ranges() == {
        "ContinuousParameterRanges": [],
        "IntegerParameterRanges": [{"Name": "level", "MinValue": "2", "MaxValue": "4", "ScalingType": "Auto"}],
        "CategoricalParameterRanges": [{"Name": "kind", "Values": ["a", "b"]}],
    }
    assert list(attached.analytics().dataframe().columns) == COLUMNS

    from labstudio.widgets import TuningMonitor

    monitor = TuningMonitor(tuner, autostart=False)
    try:
        assert monitor.finished.is_set() and monitor.status == "Completed" and monitor.stop_button.disabled
        assert (monitor.progress.value, monitor.progress.max) == (6, 6)
        assert monitor.best == 0.0 and sorted(monitor.objectives) == [0.0, 0.5, 1.0, 1.0, 1.5, 1.5]
        assert f"6/6 trials done, best loss=0 ({best})" in monitor.progress_label.value
        assert monitor.chart.value.count("<circle") == 6 and "labstudio-best-line" in monitor.chart.value
    finally:
        monitor.close()

    best_estimator = tuner.best_estimator()
    assert best_estimator.latest_training_job.name == best and best_estimator.hyperparameters()["level"] == 3
    from labstudio.deserializers import JSONDeserializer
    from labstudio.serializers import JSONSerializer

    predictor = tuner.deploy(initial_instance_count=1, instance_type="local", serializer=JSONSerializer(), deserializer=JSONDeserializer(),
                             endpoint_name="sdk-tuned-ep", entry_point="inference.py")
    try:
        assert predictor.predict([[1, 2]]) == [[3.0, 6.0]]  # the best trial's model (level=3, kind a)
    finally:
        predictor.delete_endpoint()


def test_attach_rebuilds_the_framework_estimator_so_deploy_gives_its_predictor(project: Path, core) -> None:
    # SageMaker's attach picks the estimator class from the training image; labstudio records the
    # class fit() was given, so an attached XGBoost tuner deploys an XGBoostPredictor, not bytes
    from labstudio.sdk.frameworks import SKLearnPredictor
    from labstudio.sklearn import SKLearn

    estimator = SKLearn("train.py", source_dir="src", metric_definitions=METRICS)
    _tuner(estimator=estimator, max_jobs=1, max_parallel_jobs=1).fit(job_name="sdk-kind")
    definition = HyperparameterTuner.attach("sdk-kind").describe()["TrainingJobDefinition"]
    assert definition["EstimatorClass"] == f"{SKLearn.__module__}.SKLearn"
    attached = HyperparameterTuner.attach("sdk-kind")
    assert type(attached.estimator) is SKLearn
    predictor = attached.deploy(initial_instance_count=1, instance_type="local", endpoint_name="sdk-kind-ep", entry_point="inference.py")
    try:
        assert isinstance(predictor, SKLearnPredictor)
        tuned = attached.describe()["BestTrainingJob"]["TunedHyperParameters"]
        scale = float(tuned["level"]) + (10 if tuned["kind"] == "b" else 0)
        assert predictor.predict([[1.0, 2.0]]).tolist() == [[scale, 2 * scale]]  # NumPy in and out, as SKLearn's predictor does
    finally:
        predictor.delete_endpoint()
    assert type(HyperparameterTuner.attach("sdk-kind", job_details={**attached.describe(), "TrainingJobDefinition": {
        **definition, "EstimatorClass": "os.path.Nothing"}}).estimator) is labstudio.Estimator  # only labstudio's classes are imported


def test_a_killed_tuner_is_resumed_while_the_sdk_waits_then_warm_starts_a_follow_up(project: Path, core) -> None:
    tuner = _tuner(strategy="Random", random_seed=3, max_jobs=4, hyperparameter_ranges={"level": ContinuousParameter(0, 6)})
    tuner.fit(job_name="sdk-resume", wait=False)
    record = wait_for(lambda: (lambda j: j if j.tuner_pid else None)(core.tuning.get("sdk-resume")), message="the tuner process")
    os.kill(record.tuner_pid, signal.SIGKILL)
    waiter = threading.Thread(target=tuner.wait, daemon=True)  # no Jupyter server runs: only wait()'s check() can resume it
    waiter.start()
    waiter.join(timeout=120)
    assert not waiter.is_alive(), "wait() never saw the tuning job end: the killed tuner was not resumed"
    described = tuner.describe()
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    trials = to_json(core.tuning.training_jobs("sdk-resume"))["TrainingJobSummaries"]
    assert len(trials) == 4 and len({t["TrainingJobName"] for t in trials}) == 4
    assert core.tuning.get("sdk-resume").tuner_pid != record.tuner_pid

    # a warm-started follow-up learns from it (SageMaker's helper builds the config)
    child = tuner.identical_dataset_and_algorithm_tuner()
    assert child.warm_start_config.parents == {"sdk-resume"} and child.warm_start_config.type is WarmStartTypes.IDENTICAL_DATA_AND_ALGORITHM
    child.max_jobs = 2
    child.fit(job_name="sdk-warm")
    warm = child.describe()
    assert warm["HyperParameterTuningJobStatus"] == "Completed"
    assert warm["WarmStartConfig"] == {"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "sdk-resume"}],
                                       "WarmStartType": "IdenticalDataAndAlgorithm"}
    assert WarmStartConfig.from_job_desc(warm["WarmStartConfig"]).parents == {"sdk-resume"}


def test_the_chart_draws_each_trial_and_a_best_so_far_line_that_only_improves() -> None:
    from labstudio.widgets import objective_chart_svg

    svg = objective_chart_svg([4.0, 1.0, 9.0, None, 0.5], minimize=True)
    assert svg.count("<circle") == 4 and "best 0.5 (min)" in svg and "4 of 5 trials" in svg
    line = re.search(r"labstudio-best-line' [^>]*points='([^']+)'", svg)[1]
    heights = [float(point.split(",")[1]) for point in line.split()]
    assert heights == sorted(heights)  # y grows downwards: a best loss that only decreases is a y that only grows
    assert "best 9 (max)" in objective_chart_svg([4.0, 1.0, 9.0], minimize=False)
    assert "no objective values yet" in objective_chart_svg([None, None], minimize=True)


def test_aws_only_arguments_warn_once(project: Path) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _tuner(strategy_config={"HyperbandStrategyConfig": {}}, completion_criteria_config=object(), role="arn:aws:iam::1:role/x")
    found = [w for w in record if issubclass(w.category, SageMakerArgumentWarning)]
    assert found and all(w.filename == __file__ for w in found)
    text = " ".join(str(w.message) for w in found)
    for name in ("strategy_config", "completion_criteria_config", "role"):
        assert name in text


@pytest.mark.parametrize(
    "overrides, argument",
    [
        ({"objective_metric_name": "accuracy"}, "objective_metric_name"),
        ({"hyperparameter_ranges": {}}, "hyperparameter_ranges"),
        ({"hyperparameter_ranges": {"level": IntegerParameter(5, 2)}}, "hyperparameter_ranges.level"),
        ({"hyperparameter_ranges": {"kind": CategoricalParameter([])}}, "hyperparameter_ranges.kind"),
        ({"strategy": "Random", "max_jobs": 4, "hyperparameter_ranges": {"eta": ContinuousParameter(0, 1, "Logarithmic")}}, "hyperparameter_ranges.eta"),
        ({"hyperparameter_ranges": {"level": (1, 5)}}, "hyperparameter_ranges['level']"),
        ({"strategy": "Genetic"}, "strategy"),
        ({"hyperparameter_ranges": {"eta": ContinuousParameter(0.1, 0.2)}}, "strategy 'Grid'"),
        ({"strategy": "Random", "max_jobs": 2, "max_parallel_jobs": 3}, "max_parallel_jobs"),
        ({"strategy": "Random", "max_jobs": 0}, "max_jobs"),
        ({"objective_type": "Smallest"}, "objective_type"),
        ({"early_stopping_type": "Sometimes"}, "early_stopping_type"),
        ({"estimator": object()}, "estimator"),
        ({"metric_definitions": [{"Name": "acc"}]}, "metric_definitions"),
        ({"warm_start_config": "parent-1"}, "warm_start_config"),
        ({"autotune": True}, "autotune"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(project: Path, core, overrides: dict, argument: str) -> None:
    with pytest.raises(ValueError, match=None) as err:
        _tuner(**overrides)
    assert argument in str(err.value), str(err.value)
    assert to_json(core.tuning.list())["HyperParameterTuningJobSummaries"] == []


def test_fit_checks_its_arguments_before_anything_runs(project: Path, core) -> None:
    tuner = _tuner()
    with pytest.raises(ValueError, match="job_name"):
        tuner.fit(job_name="j" * 33)
    with pytest.raises(ValueError, match="channel"):
        tuner.fit({"train": "no-such-folder"}, job_name="sdk-bad-input")
    with pytest.raises(ValueError, match="fit"):
        tuner.best_training_job()
    with pytest.raises(ValueError, match="warm_start_type"):
        WarmStartConfig("Sideways", parents=["p"])
    with pytest.raises(ValueError, match="parents"):
        WarmStartConfig(WarmStartTypes.TRANSFER_LEARNING, parents=[])
    assert to_json(core.tuning.list())["HyperParameterTuningJobSummaries"] == []
    assert to_json(core.jobs.list())["TrainingJobSummaries"] == []


NOTEBOOK = [
    "%load_ext labstudio",
    "t = %tune train.py --source-dir src --metric 'loss=loss=([0-9.eE+-]+)' --objective loss --minimize "
    "--range level=int:2:4 --strategy grid --max-parallel 2 --name nb-tune\n"
    "print('magic', t.best_training_job(), t.describe()['HyperParameterTuningJobStatus'])",
    "from labstudio.tuner import HyperparameterTuner, IntegerParameter\n"
    "import labstudio\n"
    f"est = labstudio.Estimator('train.py', source_dir='src', metric_definitions={METRICS!r})\n"
    "tuner = HyperparameterTuner(est, 'loss', {'kind': labstudio.tuner.CategoricalParameter(['a', 'b'])}, objective_type='Minimize',\n"
    "                            strategy='Grid', max_parallel_jobs=2)\n"
    "tuner.fit(job_name='nb-fit')\n"
    "print('fit', tuner.describe()['BestTrainingJob']['TunedHyperParameters'])",
    "%tune train.py --source-dir src --metric 'loss=loss=(.*)' --objective accuracy --range level=int:1:2 --max-jobs 2",
]


def test_tune_magic_and_fit_show_the_live_widget_in_a_notebook(project: Path, core, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdk_helpers import client, dump, make_notebook, text, widget_states

    monkeypatch.delenv("LABSTUDIO_WIDGETS")
    nb = make_notebook(*NOTEBOOK, raises=(3,))
    client(nb, project).execute()
    everything = dump(nb)
    best = to_json(core.tuning.describe("nb-tune"))["BestTrainingJob"]["TrainingJobName"]
    assert f"magic {best} Completed" in text(nb.cells[1]), everything
    assert "fit {'kind': 'a'}" in text(nb.cells[2]), everything
    assert "Tuning job nb-fit: Completed" in text(nb.cells[2]), everything
    bad = text(nb.cells[3])
    assert "UsageError" in bad and "--objective 'accuracy'" in bad and "Traceback" not in bad.split("UsageError", 1)[0], everything
    states = list(widget_states(nb))
    bars = [s for s in states if s.get("_model_name") == "IntProgressModel" and s.get("description") == "trials"]
    assert sorted((b["value"], b["max"]) for b in bars) == [(2, 2), (3, 3)], bars  # both sweeps, shown to the end
    charts = [s["value"] for s in states if "labstudio-tuning-chart" in str(s.get("value", ""))]
    assert len(charts) == 2 and all("labstudio-best-line" in c for c in charts)
    assert any("3/3 trials done, best loss=0 (" in str(s.get("value", "")) for s in states), everything
    assert [j["HyperParameterTuningJobName"] for j in to_json(core.tuning.list())["HyperParameterTuningJobSummaries"]] == ["nb-fit", "nb-tune"]
