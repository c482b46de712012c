"""The public SageMaker local-mode sample, imports changed and nothing else, run by a real kernel."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from labstudio.shapes import to_json
from sdk_helpers import client, dump, text, widget_states

SAMPLE = Path(__file__).parent / "notebooks" / "sklearn_local_mode"


def test_sklearn_local_mode_sample_runs_unchanged(tmp_path: Path, labstudio_home: Path, core) -> None:
    work = tmp_path / "sample"
    shutil.copytree(SAMPLE, work)
    nb = nbformat.read(work / "sklearn_local_mode.ipynb", as_version=4)
    lines = [line.strip() for c in nb.cells for line in c.source.splitlines()]
    assert not [line for line in lines if line.startswith(("from sagemaker", "import sagemaker"))]
    assert "# was: from sagemaker.sklearn import SKLearn" in lines

    client(nb, work).execute()

    out = "\n".join(text(c) for c in nb.cells)
    assert "Completed model training" in out, dump(nb)
    accuracy = float(out.split("accuracy: ")[1].split()[0])
    assert accuracy > 0.8, dump(nb)

    jobs = to_json(core.jobs.list())["TrainingJobSummaries"]
    assert len(jobs) == 1 and jobs[0]["TrainingJobStatus"] == "Completed"
    described = to_json(core.jobs.describe(jobs[0]["TrainingJobName"]))
    assert described["HyperParameters"]["max_leaf_nodes"] == "30"
    assert {c["ChannelName"] for c in described["InputDataConfig"]} == {"train", "validation"}
    assert core.endpoints.list()["Endpoints"] == []  # delete_endpoint removed it

    # fit(wait=True) showed a JobMonitor whose final saved state says Completed
    headers = [s["value"] for s in widget_states(nb) if "labstudio-job-header" in str(s.get("value", ""))]
    assert headers and "Completed" in headers[-1]
