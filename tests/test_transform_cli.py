"""`labstudio transform` and `labstudio transforms ...` as a user runs them: subprocesses."""
from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from cli_helpers import cli_runner


@pytest.fixture
def cli(labstudio_home: Path, tmp_path: Path):
    return cli_runner(tmp_path)


@pytest.fixture
def model(tmp_path: Path) -> LinearRegression:
    x = np.arange(20, dtype=float).reshape(10, 2)
    fitted = LinearRegression().fit(x, 3 * x[:, 0] - x[:, 1])
    (tmp_path / "model").mkdir()
    joblib.dump(fitted, tmp_path / "model" / "model.joblib")
    return fitted


def test_transform_wait_then_list_describe_logs(cli, tmp_path: Path, model: LinearRegression) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "part.csv").write_text("id1,1,2\nid2,3,5\n")
    done = cli("transform", "model", "--input", "in", "--output", "out", "--content-type", "text/csv", "--split-type", "Line",
               "--strategy", "MultiRecord", "--input-filter", "$[1:]", "--join-source", "Input", "--output-filter", "$[0,-1]",
               "--assemble-with", "Line", "--accept", "text/csv", "--name", "cli-tx", "--wait")
    assert done.stdout.splitlines()[0] == "cli-tx"
    assert "2 record(s)" in done.stdout  # the job's log, streamed
    assert "Transform job cli-tx: Completed, 2/2 records" in done.stderr
    rows = [line.split(",") for line in (tmp_path / "out" / "part.csv.out").read_text().splitlines()]
    assert [r[0] for r in rows] == ["id1", "id2"]
    assert [float(r[1]) for r in rows] == pytest.approx(model.predict(np.array([[1.0, 2.0], [3.0, 5.0]])))

    listed = json.loads(cli("transforms", "list", "--json").stdout)
    assert [(j["TransformJobName"], j["TransformJobStatus"], j["RecordsProcessed"]) for j in listed] == [("cli-tx", "Completed", 2)]
    text = cli("transforms", "describe", "cli-tx").stdout
    assert "Progress:    2/2 records" in text and "input filter $[1:]" in text
    assert "2 record(s)" in cli("transforms", "logs", "cli-tx").stdout
    stop = cli("transforms", "stop", "cli-tx", check=False)
    assert stop.returncode == 1 and "already Completed" in stop.stderr


def test_failure_exit_codes_and_one_line_errors(cli, tmp_path: Path, model: LinearRegression) -> None:
    (tmp_path / "bad.csv").write_text("1,2\nx,y\n")
    failed = cli("transform", "model", "--input", "bad.csv", "--output", "out", "--content-type", "text/csv",
                 "--split-type", "Line", "--name", "cli-bad", "--wait", check=False)
    assert failed.returncode == 1
    assert "reason: ClientError: record failed in bad.csv, line 2" in failed.stderr

    usage = cli("transform", "model", "--input", "bad.csv", "--output", "out", "--input-filter", "$[1", check=False)
    assert usage.returncode == 2 and "input_filter" in usage.stderr and "Traceback" not in usage.stderr
    missing = cli("transforms", "describe", "nope", check=False)
    assert missing.returncode == 1 and "Transform job 'nope' does not exist" in missing.stderr
