"""The magics in a notebook run by a real kernel, and the jobs it launched seen through the REST API."""
from __future__ import annotations

import json
import re
from pathlib import Path

from sdk_helpers import client, dump, make_notebook, text, widget_states

CELL_SCRIPT = '''%%train train.py --name nb-cell-job --experiment nbexp -p alpha=0.5 --metric "mse=mse=([0-9.]+)"
import argparse, os, joblib
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))

if __name__ == "__main__":
    p = argparse.ArgumentParser(); p.add_argument("--alpha", type=float); a = p.parse_args()
    X, y = load_diabetes(return_X_y=True)
    m = Ridge(alpha=a.alpha)
    for i in range(3):
        m.fit(X[: 100 * (i + 1)], y[: 100 * (i + 1)])
        print(f"mse={((m.predict(X) - y) ** 2).mean():.3f}", flush=True)
    joblib.dump(m, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
'''

SLOW = "import time\nfor i in range(600):\n    print('tick', i, flush=True)\n    time.sleep(0.1)\n"

CELLS = [
    "%load_ext labstudio",                                                       # 0
    CELL_SCRIPT,                                                                 # 1
    "job = _\nprint('cell job', job.name, job.status)",                          # 2
    "slow = %train slow.py --no-wait --name nb-line-job",                        # 3
    "%stop nb-line-job",                                                         # 4
    "slow.wait(logs=False)\nprint('slow', slow.status)",                         # 5
    "%logs nb-cell-job",                                                         # 6
    "jobs_df = %jobs\nprint('jobs', sorted(jobs_df.name))",                      # 7
    "runs_df = %runs nbexp\nprint('runs', list(runs_df.run_name), 'metrics.mse' in runs_df.columns)",  # 8
    "%deploy job --name nb-ep --as ridge",                                       # 9
    "%endpoints",                                                                # 10
    "print('pred', ridge.predict([[0.0] * 10]))",                                # 11
    "ridge.delete_endpoint()\nleft = %endpoints\nprint('endpoints left', len(left))",  # 12
    "%train slow.py --max-run soon",                                             # 13
    "%stop no-such-job",                                                         # 14
    "%train",                                                                    # 15
    "%runs --filter 'metrics.mse >'",                                            # 16
    # serve/requirements.txt names a package that cannot be installed: --no-requirements skips it
    "%deploy job --name nb-ep2 --source-dir serve --entry-point inference.py --no-requirements --as plain",  # 17
    "print('plain', plain.predict([[0.0] * 10]))\nplain.delete_endpoint()",      # 18
]

SERVE = "import os, joblib\n\ndef model_fn(model_dir):\n    return joblib.load(os.path.join(model_dir, 'model.joblib'))\n"


async def test_magics_in_a_notebook_and_the_rest_api(tmp_path: Path, labstudio_home: Path, jp_fetch) -> None:
    work = tmp_path / "nb"
    work.mkdir()
    (work / "slow.py").write_text(SLOW)
    (work / "serve").mkdir()
    (work / "serve" / "inference.py").write_text(SERVE)
    (work / "serve" / "requirements.txt").write_text("labstudio-no-such-package-anywhere==0.0.1\n")
    nb = make_notebook(*CELLS, raises=(13, 14, 15, 16))
    await client(nb, work).async_execute()
    cells = nb.cells
    everything = dump(nb)

    assert "cell job nb-cell-job Completed" in text(cells[2]), everything
    assert "nb-line-job: Stopping" in text(cells[4]), everything
    assert re.search(r"slow\s+Stopped", text(cells[5])), everything  # stdout may be split around a widget's output
    assert "mse=" in text(cells[6]), everything
    assert "jobs ['nb-cell-job', 'nb-line-job']" in text(cells[7]), everything
    assert "runs ['nb-cell-job'] True" in text(cells[8]), everything
    assert "Endpoint nb-ep is InService" in text(cells[9]), everything
    assert "nb-ep" in text(cells[10]) and "<table" in text(cells[10]), everything  # an HTML table
    assert "pred [" in text(cells[11]), everything
    assert "endpoints left 0" in text(cells[12]), everything
    assert "Endpoint nb-ep2 is InService" in text(cells[17]), everything
    assert "plain [" in text(cells[18]), everything

    # Bad input: one UsageError line, no traceback
    for index, needle in ((13, "--max-run"), (14, "no-such-job"), (15, "ENTRY_POINT is required"), (16, "%runs")):
        errors = [o for o in cells[index].outputs if o["output_type"] == "error"]
        shown = text(cells[index])
        assert needle in shown, everything
        assert "UsageError" in shown, everything
        assert all(len(e.get("traceback", [])) <= 1 for e in errors), everything
        assert "Traceback" not in shown and "File " not in shown, everything

    # The monitor of %%train ended showing Completed, its last metric and a sparkline
    states = list(widget_states(nb))
    headers = [s["value"] for s in states if "labstudio-job-header" in str(s.get("value", ""))]
    assert any("nb-cell-job" in h and "Completed" in h for h in headers), headers
    assert any("labstudio-sparkline" in str(s.get("value", "")) for s in states)
    assert any("mse=" in str(s.get("value", "")) and "labstudio-log" in str(s.get("value", "")) for s in states)

    # The kernel's jobs are in the server's store
    listed = json.loads((await jp_fetch("labstudio", "api", "jobs")).body)
    names = {j["TrainingJobName"] for j in listed["TrainingJobSummaries"]}
    assert {"nb-cell-job", "nb-line-job"} <= names
    described = json.loads((await jp_fetch("labstudio", "api", "jobs", "nb-cell-job")).body)
    assert described["TrainingJobStatus"] == "Completed"
    assert described["ExperimentName"] == "nbexp"
    assert [m["MetricName"] for m in described["FinalMetricDataList"]] == ["mse"]
