"""`labstudio experiments ...` and `labstudio runs ...` as a user runs them: a subprocess, exit codes, output."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-m", "labstudio.cli", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def runs(core):  # type: ignore[no-untyped-def]
    from labstudio import Run

    ids = []
    for i in range(3):
        with Run(experiment_name="cli-exp", run_name=f"c{i}") as run:
            run.log_parameters({"lr": 0.1 * (i + 1), "opt": "adam"})
            run.log_series("loss", [3.0 - i, 2.0 - i])
            if i == 2:
                run.log_metric("odd", float("inf"))
        ids.append(run.run_id)
    return ids


def test_experiments_list(runs) -> None:  # type: ignore[no-untyped-def]
    out = cli("experiments", "list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:2] == ["NAME", "RUNS"] and lines[1].split()[:3] == ["cli-exp", "3", "0"]
    data = json.loads(cli("experiments", "list", "--json").stdout)
    assert data[0]["name"] == "cli-exp" and data[0]["run_count"] == 3


def test_runs_list_table_json_csv_and_filter(runs) -> None:  # type: ignore[no-untyped-def]
    out = cli("runs", "list", "--experiment", "cli-exp", "--filter", "params.lr > 0.15 or metrics.loss < 1.5")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split()[:4] == ["ID", "NAME", "EXPERIMENT", "STATUS"] and "loss" in header
    assert sorted(r.split()[1] for r in rows) == ["c1", "c2"]
    assert "inf" in next(r for r in rows if r.split()[1] == "c2")
    page = json.loads(cli("runs", "list", "--json", "--filter", "name = 'c0'").stdout)
    assert [r["name"] for r in page["runs"]] == ["c0"] and page["runs"][0]["params"]["opt"] == "adam"
    table = list(csv.DictReader(io.StringIO(cli("runs", "list", "--csv", "--experiment", "cli-exp").stdout)))
    assert len(table) == 3 and table[0]["metrics.odd"] == "Infinity"
    empty = cli("runs", "list", "--filter", "name = 'zzz'")
    assert empty.returncode == 0 and "no runs match" in empty.stdout


def test_runs_errors_have_exit_codes(runs) -> None:  # type: ignore[no-untyped-def]
    bad = cli("runs", "list", "--filter", "metrics.loss >")
    assert bad.returncode == 2 and "position 14" in bad.stderr and bad.stdout == ""
    missing = cli("runs", "list", "--experiment", "nope")
    assert missing.returncode == 1 and "'nope' does not exist" in missing.stderr
    assert cli("runs", "compare", "zz").returncode == 2
    assert cli("runs", "compare", "ffffffff").returncode == 1
    usage = cli("runs", "frobnicate")
    assert usage.returncode == 2


def test_runs_compare_and_show(runs) -> None:  # type: ignore[no-untyped-def]
    out = cli("runs", "compare", runs[0], runs[2][:8], "--metric", "loss")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["c0", "c2"]
    rows = {line.split("  ")[0].strip(): line.split()[-2:] for line in lines[1:]}
    assert rows["params.lr *"] == ["0.1", "0.30000000000000004"]
    assert rows["loss (last)"] == ["2", "0"] and rows["loss (max)"] == ["3", "1"]
    assert "odd (last)" not in rows
    unknown = cli("runs", "compare", runs[0], "--metric", "nope")
    assert unknown.returncode == 1
    show = cli("runs", "show", runs[1])
    assert show.returncode == 0 and "c1" in show.stdout and "loss" in show.stdout and "PARAMETER" in show.stdout


def test_experiments_delete_asks_for_yes(core, runs) -> None:  # type: ignore[no-untyped-def]
    refused = cli("experiments", "delete", "cli-exp")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert core.experiments.get_experiment("cli-exp")["run_count"] == 3
    done = cli("experiments", "delete", "cli-exp", "--yes")
    assert done.returncode == 0 and "deleted 3 run(s)" in done.stdout
    assert cli("experiments", "delete", "cli-exp", "--yes").returncode == 1
    assert "(no experiments)" in cli("experiments", "list").stdout
