"""`labstudio process` and `labstudio processing ...` as a user runs them: a subprocess, its output and exit code."""
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
    (proj / "data" / "raw").mkdir(parents=True)
    (proj / "data" / "raw" / "a.csv").write_text("1\n2\n3\n")
    (proj / "prep.py").write_text(
        "import os, sys\n"
        "rows = open('/opt/ml/processing/input/a.csv').read().split()\n"
        "print('args', sys.argv[1:], 'color', os.environ.get('COLOR'), flush=True)\n"
        "open('/opt/ml/processing/train/sum.txt', 'w').write(str(sum(map(int, rows))))\n"
    )
    (proj / "fail.py").write_text("raise RuntimeError('no such column')\n")
    (proj / "sleep.py").write_text("import time\nprint('ready', flush=True)\nwhile True:\n    time.sleep(0.1)\n")
    return proj


def test_process_wait_list_describe_logs(project: Path) -> None:
    out = cli("process", "prep.py", "--input", "raw=data/raw:/opt/ml/processing/input", "--output", "train=/opt/ml/processing/train:data/train",
              "-a", "0.2", "--argument=--test-split", "-e", "COLOR=blue", "--name", "cli-proc", "--experiment", "prep-exp", "--wait", cwd=project)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "cli-proc"
    assert "args ['0.2', '--test-split'] color blue" in out.stdout
    assert out.stderr.strip().splitlines()[-1].startswith("Processing job cli-proc: Completed in ")
    assert f"outputs: train -> {project / 'data' / 'train'}" in out.stderr
    assert (project / "data" / "train" / "sum.txt").read_text() == "6"

    listed = cli("processing", "list")
    assert listed.returncode == 0 and "cli-proc" in listed.stdout and "prep-exp" in listed.stdout
    assert json.loads(cli("processing", "list", "--json").stdout)[0]["ProcessingJobName"] == "cli-proc"
    assert "No training jobs" in cli("jobs", "list").stdout  # not a training job
    d = json.loads(cli("processing", "describe", "cli-proc", "--json").stdout)
    assert d["ProcessingJobStatus"] == "Completed" and d["Environment"] == {"COLOR": "blue"} and d["ExperimentName"] == "prep-exp"
    text = cli("processing", "describe", "cli-proc").stdout
    assert "Status:      Completed: Processing job completed" in text
    assert f"  raw: file://{project / 'data' / 'raw'} -> /opt/ml/processing/input" in text
    assert "args ['0.2', '--test-split'] color blue" in cli("processing", "logs", "cli-proc").stdout
    # an argument starting with '-' is written -a=--flag; names are optional
    out = cli("process", "prep.py", "--input", "data/raw:/opt/ml/processing/input", "--output", "/opt/ml/processing/train:data/t2",
              "--wait", "-a=--flag", "-a", "x", cwd=project)
    assert out.returncode == 0 and "args ['--flag', 'x']" in out.stdout, out.stderr
    assert (project / "data" / "t2" / "sum.txt").read_text() == "6"


def test_script_arguments_that_start_with_a_dash_need_no_equals_sign(project: Path) -> None:
    # `-a --test-split -a 0.2` is what a user types after reading `arguments=["--test-split", "0.2"]`;
    # argparse alone refuses it ("expected one argument"), so the word after -a is always its value
    out = cli("process", "prep.py", "--input", "data/raw:/opt/ml/processing/input", "--output", "/opt/ml/processing/train:data/t3",
              "-a", "--test-split", "-a", "0.2", "--argument", "-v", "--wait", cwd=project)
    assert out.returncode == 0, out.stderr
    assert "args ['--test-split', '0.2', '-v']" in out.stdout
    assert (project / "data" / "t3" / "sum.txt").read_text() == "6"
    out = cli("process", "prep.py", "-a", cwd=project)  # nothing after -a is still a one-line usage error
    assert out.returncode == 2 and out.stderr.strip().endswith("argument -a/--argument: expected one argument"), out.stderr


def test_failed_job_exits_1_with_the_reason(project: Path) -> None:
    out = cli("process", "fail.py", "--name", "cli-fail", "--wait", cwd=project)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].endswith("reason: AlgorithmError: RuntimeError: no such column (exit code 1)")
    text = cli("processing", "describe", "cli-fail").stdout
    assert "Failure:     AlgorithmError: RuntimeError: no such column (exit code 1)" in text
    assert "Exit message:" in text and "RuntimeError: no such column" in text


def test_stop_and_follow(project: Path) -> None:
    assert cli("process", "sleep.py", "--name", "cli-sleep", cwd=project).returncode == 0
    wait_for(lambda: "ready" in cli("processing", "logs", "cli-sleep").stdout, message="the script to start")
    follower = subprocess.Popen([sys.executable, "-m", "labstudio.cli", "processing", "logs", "cli-sleep", "-f"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        stopped = cli("processing", "stop", "cli-sleep")
        assert stopped.returncode == 0 and stopped.stdout.strip() in ("cli-sleep: Stopping", "cli-sleep: Stopped")
        followed, _ = follower.communicate(timeout=60)
    finally:
        follower.kill()
    assert follower.returncode == 0 and "ready" in followed  # -f ends once the job does
    wait_for(lambda: json.loads(cli("processing", "describe", "cli-sleep", "--json").stdout)["ProcessingJobStatus"] == "Stopped",
             message="the job to stop")


MISTAKES = [
    (["process", "nope.py"], "'code' "),
    (["process", "prep.py", "--input", "data/raw"], "--input expects NAME=SRC:/opt/ml/processing/DEST"),
    (["process", "prep.py", "--input", "data/raw:/tmp/x"], "'inputs[0].destination' must be an absolute folder under /opt/ml/processing/"),
    (["process", "prep.py", "--output", "train=/opt/ml/model:out"], "'outputs[0].source' must be an absolute folder under /opt/ml/processing/"),
    (["process"], "the following arguments are required: SCRIPT"),
]


def test_mistakes_exit_2_with_one_line(project: Path) -> None:
    for args, message in MISTAKES:
        out = cli(*args, cwd=project)
        assert out.returncode == 2, out
        assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
    assert "No processing jobs" in cli("processing", "list").stdout  # nothing was created


def test_unknown_job_exits_1(project: Path) -> None:
    out = cli("processing", "describe", "ghost")
    assert out.returncode == 1 and out.stderr.strip() == "labstudio: error: Processing job 'ghost' does not exist."
