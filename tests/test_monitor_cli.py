"""`labstudio monitor ...` as a user runs it: a baseline with --wait, the lists, and bad input
as one line with exit 2 (1 for what does not exist)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from monitor_helpers import training_csv

pytestmark = pytest.mark.slow


def test_monitor_cli(labstudio_home: Path, tmp_path: Path) -> None:
    run = cli_runner(tmp_path)
    training_csv(tmp_path / "train.csv", n=50)
    done = run("monitor", "baseline", "train.csv", "--output", "baseline", "--wait")
    assert "completed" in done.stdout and "constraints.json" in done.stdout
    constraints = json.loads((tmp_path / "baseline" / "constraints.json").read_text())
    assert [f["name"] for f in constraints["features"]] == ["label", "x1", "x2", "color"]

    (tmp_path / "empty.csv").write_text("a,b\n")
    bad = run("monitor", "baseline", "empty.csv", check=False)
    assert bad.returncode == 2 and "no data rows" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    bad = run("monitor", "schedule", "s", "--endpoint", "nowhere", "--constraints", "baseline/constraints.json", "--cron", "cron(0 * *)", check=False)
    assert bad.returncode == 2 and "ScheduleExpression" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    bad = run("monitor", "schedule", "s", "--endpoint", "nowhere", "--constraints", "baseline/constraints.json", "--now", check=False)
    assert bad.returncode == 2 and "'nowhere' does not exist" in bad.stderr
    assert "(no monitoring schedules)" in run("monitor", "schedules").stdout
    assert "(no executions)" in run("monitor", "executions").stdout
    missing = run("monitor", "describe", "nope", check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
