"""`labstudio tune` and `labstudio tuning ...` as a user runs them: subprocesses, output, exit codes."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio.shapes import to_json

TRAIN = """
import argparse, time
p = argparse.ArgumentParser()
p.add_argument("--depth", type=int, default=1)
p.add_argument("--booster", default="gbtree")
p.add_argument("--sleep", type=float, default=0.0)
a, _ = p.parse_known_args()
time.sleep(a.sleep)
print(f"validation-rmse: {abs(a.depth - 3) + (0.25 if a.booster == 'dart' else 0.0)}", flush=True)
"""
TUNE = ["tune", "train.py", "--source-dir", "code", "--metric", "validation:rmse=validation-rmse: ([0-9.]+)",
        "--objective", "validation:rmse", "--minimize", "--range", "depth=int:3:4", "--range", "booster=cat:gbtree,dart"]


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labstudio.cli", *args], capture_output=True, text=True, cwd=cwd, env=os.environ, timeout=timeout)


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "code").mkdir(parents=True)
    (proj / "code" / "train.py").write_text(TRAIN)
    return proj


def test_tune_wait_prints_each_trial_then_a_summary(project: Path, core) -> None:
    out = cli(*TUNE, "--strategy", "grid", "--max-parallel", "2", "--name", "cli-grid", "--experiment", "cli-exp", "--wait", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "cli-grid"
    trial_lines = [line for line in lines if line.startswith("[")]
    assert len(trial_lines) == 4, out.stdout  # the grid: 2 depths x 2 boosters
    assert [re.match(r"\[(\d)/4\]", line)[1] for line in trial_lines] == ["1", "2", "3", "4"]
    for line in trial_lines:
        assert re.search(r"cli-grid-\d{3}-[0-9a-f]{8} Completed validation:rmse=[0-9.]+ \(booster=\w+, depth=\d\); best so far [0-9.]+", line), line
    summary = lines[-1]
    assert summary.startswith("Tuning job cli-grid: Completed in "), summary
    assert "4 trials (4 completed, 0 stopped, 0 failed)" in summary and "validation:rmse=0 (booster=gbtree, depth=3)" in summary

    listed = cli("tuning", "list", cwd=project)
    assert listed.returncode == 0
    assert re.search(r"^cli-grid\s+Completed\s+Grid\s+4/4\s+0\s", listed.stdout, re.M), listed.stdout
    described = json.loads(cli("tuning", "describe", "cli-grid", "--json", cwd=project).stdout)
    assert described["HyperParameterTuningJobStatus"] == "Completed" and described["ExperimentName"] == "cli-exp"
    assert described["BestTrainingJob"]["TunedHyperParameters"] == {"depth": "3", "booster": "gbtree"}
    assert described["HyperParameterTuningJobConfig"]["ParameterRanges"]["IntegerParameterRanges"][0]["Name"] == "depth"
    text = cli("tuning", "describe", "cli-grid", cwd=project).stdout
    assert "Objective:   Minimize validation:rmse" in text and "depth = int 3..4" in text and "booster = one of gbtree, dart" in text

    trials = json.loads(cli("tuning", "trials", "cli-grid", "--json", cwd=project).stdout)
    assert len(trials["TrainingJobSummaries"]) == 4 and trials["NextToken"] is None
    assert {t["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] for t in trials["TrainingJobSummaries"]} == {"validation:rmse"}
    table = cli("tuning", "trials", "cli-grid", "--csv", cwd=project)
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert list(rows[0]) == ["depth", "booster", "TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "TrainingStartTime",
                             "TrainingEndTime", "TrainingElapsedTimeSeconds", "EarlyStopped"]
    assert len(rows) == 4 and {(r["depth"], r["booster"]) for r in rows} == {(str(float(d)), b) for d in (3, 4) for b in ("gbtree", "dart")}
    for r in rows:
        assert float(r["FinalObjectiveValue"]) == abs(float(r["depth"]) - 3) + (0.25 if r["booster"] == "dart" else 0.0)
        assert float(r["TrainingElapsedTimeSeconds"]) >= 0 and r["EarlyStopped"] == "False"
    # trials are ordinary training jobs in the chosen experiment
    assert to_json(core.jobs.describe(rows[0]["TrainingJobName"]))["ExperimentName"] == "cli-exp"


def test_stop_ends_a_running_sweep(project: Path, core) -> None:
    out = cli(*TUNE, "-p", "sleep=60", "--strategy", "random", "--max-jobs", "4", "--max-parallel", "2", "--name", "cli-stop", cwd=project)
    assert out.returncode == 0 and out.stdout.strip() == "cli-stop", out.stderr
    wait_for(lambda: to_json(core.tuning.describe("cli-stop"))["TrainingJobStatusCounters"]["InProgress"] == 2, message="two running trials")
    stopped = cli("tuning", "stop", "cli-stop", cwd=project)
    assert stopped.returncode == 0 and stopped.stdout.startswith("cli-stop: "), stopped.stderr
    final = to_json(core.tuning.wait("cli-stop", timeout=60))
    assert final["HyperParameterTuningJobStatus"] == "Stopped" and final["TrainingJobStatusCounters"]["InProgress"] == 0
    again = cli("tuning", "describe", "nope", cwd=project)
    assert again.returncode == 1 and again.stderr.startswith("labstudio: error: ") and len(again.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args, words",
    [
        (["--range", "depth=int:8:2"], "depth"),
        (["--range", "eta=float:0:1:log"], "eta"),
        (["--range", "depth=between:1:2"], "depth"),
        (["--range", "nodepth"], "--range"),
        (["--objective", "accuracy"], "--objective"),
        (["--strategy", "grid", "--range", "eta=float:0.1:0.2"], "Continuous"),
        (["--max-jobs", "2", "--max-parallel", "3"], "--max-parallel 3 is more than --max-jobs 2"),
        (["--strategy", "genetic"], "--strategy"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_start_nothing(project: Path, core, args: list[str], words: str) -> None:
    base = list(TUNE)
    if "--objective" in args:
        i = base.index("--objective")
        del base[i:i + 2]
    out = cli(*base, "--max-jobs", "4", *args, cwd=project) if "--max-jobs" not in args else cli(*base, *args, cwd=project)
    assert out.returncode == 2, out.stdout + out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr, out.stderr
    assert words in out.stderr and out.stdout == ""
    assert to_json(core.tuning.list())["HyperParameterTuningJobSummaries"] == []
