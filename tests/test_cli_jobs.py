"""The `labstudio` command as a user runs it: a subprocess, its output and exit code."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import wait_for


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
    assert "Status:      Completed" in text and "epochs = 3" in text and "loss = 0.333" in text


def test_train_wait_fails_with_the_reason(project: Path) -> None:
    out = cli("train", "src/fail.py", "--name", "cli-fail", "--wait", cwd=project)
    assert out.returncode == 1
    assert "RuntimeError: no GPU found" in out.stdout  # the traceback is the script's own log
    assert out.stderr.strip().splitlines()[-1] == (
        "labstudio: job cli-fail ended Failed (Failed): AlgorithmError: RuntimeError: no GPU found (exit code 1)"
    )


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
