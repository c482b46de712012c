"""The `labstudio` command as a user runs it: a subprocess, its output and exit code."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import wait_for

# The one duration format of every CLI table, describe and summary line: 3.4s, 2m 05s, 1h 02m, 3d 04h.
DURATION = r"(?:\d+\.\ds|\d+m \d\ds|\d+h \d\dm|\d+d \d\dh)"


def cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labstudio.cli", *args], capture_output=True, text=True, cwd=cwd, env=os.environ, timeout=timeout)


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "data").mkdir()
    (proj / "data" / "train.csv").write_text("1\n2\n")
    (proj / "src" / "train.py").write_text(
        "import argparse, os\n"
        "p = argparse.ArgumentParser()\n"
        "p.add_argument('--epochs', type=int, default=1)\n"
        "p.add_argument('--optimizer', default='sgd')\n"
        "a = p.parse_args()\n"
        "print('channels', sorted(os.listdir(os.environ['SM_CHANNEL_TRAIN'])), 'env', os.environ.get('COLOR'))\n"
        "for e in range(a.epochs):\n"
        "    print(f'epoch={e} loss={1/(e+1)} optimizer={a.optimizer}')\n"
    )
    (proj / "src" / "fail.py").write_text("raise RuntimeError('no GPU found')\n")
    return proj


def test_train_wait_streams_logs_and_succeeds(project: Path) -> None:
    out = cli("train", "train.py", "--source-dir", "src", "-p", "epochs=3", "-p", "optimizer=adam", "-c", "train=data",
              "--metric", "loss=loss=([0-9.]+)", "--env", "COLOR=blue", "--name", "cli-job", "--experiment", "cli-exp", "--wait", cwd=project)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "cli-job"
    assert "channels ['train.csv'] env blue" in out.stdout
    assert "epoch=2 loss=0.3333333333333333 optimizer=adam" in out.stdout
    desc = json.loads(cli("jobs", "describe", "cli-job", "--json").stdout)
    assert desc["TrainingJobStatus"] == "Completed" and desc["HyperParameters"]["epochs"] == "3"
    assert desc["HyperParameters"]["optimizer"] == '"adam"' and desc["ExperimentName"] == "cli-exp"
    assert desc["FinalMetricDataList"][0]["MetricName"] == "loss"
    text = cli("jobs", "describe", "cli-job").stdout
    assert "Status:      Completed: Training job completed" in text and "epochs = 3" in text and "loss = 0.333" in text
    assert re.search(rf"duration {DURATION}$", text, re.M), text
    # a successful --wait ends with what happened: status, duration, final metrics, model path
    model = desc["ModelArtifacts"]["S3ModelArtifacts"]
    summary = out.stderr.strip().splitlines()[-1]
    assert re.fullmatch(rf"Training job cli-job: Completed in {DURATION}; final metrics: loss=0\.333333; model: {re.escape(model)}", summary), summary
    assert Path(model.removeprefix("file://")).is_file()
    from labstudio.sdk.job import TrainingJob, summary_line

    assert summary_line(TrainingJob("cli-job").describe()) == summary  # the SDK's fit()/wait() end with the same line


def test_train_wait_fails_with_the_reason(project: Path) -> None:
    out = cli("train", "src/fail.py", "--name", "cli-fail", "--wait", cwd=project)
    assert out.returncode == 1
    assert "RuntimeError: no GPU found" in out.stdout  # the traceback is the script's own log
    summary = out.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"Training job cli-fail: Failed after {DURATION}; reason: AlgorithmError: RuntimeError: no GPU found \(exit code 1\)", summary
    ), summary
    described = cli("jobs", "describe", "cli-fail").stdout
    assert "Status:      Failed: Training job failed" in described
    for text in (out.stdout, out.stderr, described, cli("jobs", "list").stdout):
        assert "Failed (Failed)" not in text


@pytest.mark.parametrize(
    "seconds, shown",
    [(0, "0.0s"), (3.44, "3.4s"), (59.96, "59.9s"), (60, "1m 00s"), (125.7, "2m 05s"), (3725, "1h 02m"), (90061, "1d 01h"), (None, "")],
)
def test_one_duration_format(seconds: float | None, shown: str) -> None:
    from labstudio.humanize import format_duration

    assert format_duration(seconds) == shown
    assert shown == "" or re.fullmatch(DURATION, shown)


def _table(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """`labstudio jobs list` as a header and rows by job name (columns are two or more spaces apart)."""
    lines = text.rstrip("\n").splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[1:]]
    return header, {row[0]: row for row in rows}


def test_list_shows_each_status_once_and_one_duration_format(project: Path) -> None:
    (project / "src" / "slow.py").write_text("import time\nprint('slow', flush=True)\ntime.sleep(600)\n")
    assert cli("train", "src/train.py", "-c", "train=data", "--name", "done", "--wait", cwd=project).returncode == 0
    assert cli("train", "src/fail.py", "--name", "broke", "--wait", cwd=project).returncode == 1
    limited = cli("train", "src/slow.py", "--name", "limited", "--max-run", "1", "--wait", cwd=project)
    assert limited.returncode == 1
    assert re.fullmatch(
        rf"Training job limited: Stopped \(MaxRuntimeExceeded\) after {DURATION}; "
        r"reason: Training job stopped: it ran past its MaxRuntimeInSeconds of 1 s",
        limited.stderr.strip().splitlines()[-1],
    ), limited.stderr
    assert cli("train", "src/slow.py", "--name", "running", cwd=project).returncode == 0
    wait_for(lambda: "slow" in cli("jobs", "logs", "running").stdout, 60, message="the running job's first line")

    header, rows = _table(cli("jobs", "list").stdout)
    assert header == ["NAME", "STATUS", "CREATED", "DURATION", "EXPERIMENT"]
    assert rows["done"][1] == "Completed" and rows["broke"][1] == "Failed"
    assert rows["limited"][1] == "Stopped (MaxRuntimeExceeded)" and rows["running"][1] == "InProgress (Training)"
    for name in ("done", "broke", "limited", "running"):
        assert re.fullmatch(DURATION, rows[name][3]), rows[name]

    run_header, run_rows = _table(cli("runs", "list", "--experiment", "Default").stdout)
    by_name = {row[1]: row for row in run_rows.values()}
    for name in ("done", "broke", "limited", "running"):  # a job's run reads in the jobs' format
        assert re.fullmatch(DURATION, by_name[name][run_header.index("DURATION")]), by_name[name]


def test_no_wait_list_logs_stop(project: Path) -> None:
    (project / "src" / "long.py").write_text("import time\nprint('working', flush=True)\ntime.sleep(600)\n")
    out = cli("train", "src/long.py", "--name", "cli-long", cwd=project)
    assert out.returncode == 0 and out.stdout.strip() == "cli-long"
    listed = cli("jobs", "list")
    assert listed.returncode == 0 and "cli-long" in listed.stdout and "InProgress" in listed.stdout
    wait_for(lambda: "working" in cli("jobs", "logs", "cli-long").stdout, 60, message="log line")
    stopped = cli("jobs", "stop", "cli-long")
    assert stopped.returncode == 0 and stopped.stdout.strip() in ("cli-long: Stopping", "cli-long: Stopped")
    follow = cli("jobs", "logs", "cli-long", "--follow", timeout=60)
    assert follow.returncode == 0 and "working" in follow.stdout
    as_json = json.loads(cli("jobs", "list", "--status", "Stopped", "--json").stdout)
    assert [j["TrainingJobName"] for j in as_json] == ["cli-long"]
    again = cli("jobs", "stop", "cli-long")
    assert again.returncode == 1 and again.stderr.strip() == (
        "labstudio: error: Training job 'cli-long' is already Stopped; only running jobs can be stopped."
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "missing.py"], "'entry_point'"),
        (["train", "src/train.py", "-c", "train=nowhere"], "channel 'train'"),
        (["train", "src/train.py", "-c", "trainnowhere"], "--channel expects KEY=VALUE"),
        (["train", "src/train.py", "--metric", "loss=("], "not a valid regular expression"),
        (["train", "src/train.py", "--max-run", "0"], "'max_runtime_seconds' must be greater than 0"),
        (["train", "src/train.py", "--max-run", "soon"], "invalid int value"),
        (["train", "src/train.py", "--max-run", str(10**20)], "'max_runtime_seconds' must be at most 2419200"),
        (["train", "x" * 300 + ".py"], "'entry_point' has a file or folder name of 303 bytes"),
        (["train", "src/train.py", "-c", "train=" + "/d" * 600], "paths and URIs may have at most 1024"),
        (["train", "src/train.py", "--tag", "team=" + "x" * 100_000], "'tags.team' must have at most 256 characters"),
        (["train", "src/train.py", "--name", "bad_name"], "'name' 'bad_name' is invalid"),
        (["train", "train.py", "--source-dir", "data/train.csv"], "'source_dir'"),
        (["jobs", "list", "--limit", "0"], "'limit' must be between 1 and 1000"),
        (["jobs", "frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(project: Path, args: list[str], message: str) -> None:
    out = cli(*args, cwd=project)
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr
    assert json.loads(cli("jobs", "list", "--json").stdout) == []  # nothing created


def test_unknown_job_exits_1(project: Path) -> None:
    out = cli("jobs", "describe", "ghost")
    assert out.returncode == 1 and out.stderr.strip() == "labstudio: error: Training job 'ghost' does not exist."


def test_duplicate_name_is_refused(project: Path) -> None:
    assert cli("train", "src/train.py", "-c", "train=data", "--name", "twice", "--wait", cwd=project).returncode == 0
    out = cli("train", "src/train.py", "-c", "train=data", "--name", "twice", cwd=project)
    assert out.returncode == 2 and "already exists" in out.stderr


def test_empty_list_tells_what_to_do(project: Path) -> None:
    out = cli("jobs", "list")
    assert out.returncode == 0 and "labstudio train" in out.stdout
