"""GET /labstudio/api/jobs?kind=...: one paged list of every kind of job (training, processing,
transform; tuning trials are training jobs), newest first, through a real Jupyter server with
authentication on. Without `kind` the answer stays SageMaker's ListTrainingJobs."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from httpjson import body as _body
from httpjson import error as _error
from httpjson import wait_status

NAME_KEYS = {"training": "TrainingJobName", "processing": "ProcessingJobName", "transform": "TransformJobName"}
ROUTES = {"training": "jobs", "processing": "processing-jobs", "transform": "transform-jobs"}
STATUS_KEYS = {"training": "TrainingJobStatus", "processing": "ProcessingJobStatus", "transform": "TransformJobStatus"}


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    (jp_root_dir / "train.py").write_text("print('trained', flush=True)\n")
    (jp_root_dir / "prep.py").write_text("print('prepared', flush=True)\n")
    x = np.arange(12, dtype=float).reshape(6, 2)
    (jp_root_dir / "model").mkdir()
    joblib.dump(LinearRegression().fit(x, x[:, 0] * 2 + x[:, 1]), jp_root_dir / "model" / "model.joblib")
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "rows.csv").write_text("1,2\n3,4\n")
    return jp_root_dir


BODIES = {
    "training": lambda name: {"entry_point": "train.py", "name": name},
    "trial": lambda name: {"entry_point": "train.py", "name": name, "tags": {"labstudio:tuning-job": "sweep-1"}},
    "processing": lambda name: {"code": "prep.py", "name": name},
    "transform": lambda name: {
        "model": "model", "name": name, "input": "data", "output_path": f"out-{name}", "content_type": "text/csv", "split_type": "Line",
    },
}


async def _create(jp_fetch: Any, made: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Create the jobs in this order (kind, name) and wait for each to end; newest first."""
    for kind, name in made:
        route = ROUTES["training" if kind == "trial" else kind]
        resp = await jp_fetch("labstudio", "api", route, method="POST", body=json.dumps(BODIES[kind](name)))
        assert resp.code == 201, resp.body
    for kind, name in made:
        real = "training" if kind == "trial" else kind
        final = await wait_status(jp_fetch, ROUTES[real], name, STATUS_KEYS[real], timeout=120)
        assert final[STATUS_KEYS[real]] == "Completed", final.get("FailureReason")
    return [("training" if k == "trial" else k, n) for k, n in reversed(made)]


MIXED = [
    ("training", "mix-train-1"),
    ("processing", "mix-prep-1"),
    ("transform", "mix-score-1"),
    ("trial", "mix-trial-1"),
    ("processing", "mix-prep-2"),
    ("transform", "mix-score-2"),
    ("training", "mix-train-2"),
]


async def _pages(jp_fetch: Any, **params: object) -> list[list[dict[str, Any]]]:
    """Every page of GET /jobs with these parameters (following NextToken); each page's rows."""
    pages, token = [], None
    while True:
        query = {**params, **({"next_token": token} if token else {})}
        page = _body(await jp_fetch("labstudio", "api", "jobs", params=query))
        assert "TrainingJobSummaries" not in page or page["TrainingJobSummaries"] is None
        pages.append(page["JobSummaries"])
        token = page["NextToken"]
        if token is None:
            return pages


async def test_every_kind_in_one_list_newest_first_paged(jp_fetch: Any, project: Path) -> None:
    newest_first = await _create(jp_fetch, MIXED)

    pages = await _pages(jp_fetch, kind="training,processing,transform", limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]  # more jobs of mixed kinds than one page holds
    rows = [row for page in pages for row in page]
    assert [(r["Kind"], r[NAME_KEYS[r["Kind"]]]) for r in rows] == newest_first
    by_name = {r[NAME_KEYS[r["Kind"]]]: r for r in rows}
    # Each row is SageMaker's summary of its kind, with its Kind added.
    assert by_name["mix-score-2"]["TransformJobStatus"] == "Completed" and by_name["mix-score-2"]["RecordsProcessed"] == 2
    assert by_name["mix-prep-2"]["ProcessingJobStatus"] == "Completed" and by_name["mix-prep-2"]["ProcessingJobArn"]
    assert by_name["mix-train-2"]["TrainingJobStatus"] == "Completed" and by_name["mix-train-2"]["TuningJobName"] is None
    assert by_name["mix-trial-1"]["Kind"] == "training" and by_name["mix-trial-1"]["TuningJobName"] == "sweep-1"
    assert [r["CreationTime"] for r in rows] == sorted((r["CreationTime"] for r in rows), reverse=True)

    # Repeated or comma-separated, the same kinds; a kind left out is left out.
    repeated = _body(await jp_fetch("labstudio", "api", "jobs", params=[("kind", "processing"), ("kind", "transform")]))
    assert [r["Kind"] for r in repeated["JobSummaries"]] == ["transform", "processing", "transform", "processing"]
    assert repeated["NextToken"] is None
    only = _body(await jp_fetch("labstudio", "api", "jobs", params={"kind": "transform"}))
    assert [r["TransformJobName"] for r in only["JobSummaries"]] == ["mix-score-2", "mix-score-1"]

    # Filters apply across kinds.
    named = _body(await jp_fetch("labstudio", "api", "jobs", params={"kind": "training,processing,transform", "name_contains": "-2"}))
    assert [(r["Kind"], r[NAME_KEYS[r["Kind"]]]) for r in named["JobSummaries"]] == [
        ("training", "mix-train-2"), ("transform", "mix-score-2"), ("processing", "mix-prep-2"),
    ]
    done = _body(await jp_fetch("labstudio", "api", "jobs", params={"kind": "training,processing,transform", "status": "Completed"}))
    assert len(done["JobSummaries"]) == len(MIXED)
    running = _body(await jp_fetch("labstudio", "api", "jobs", params={"kind": "processing", "status": "InProgress"}))
    assert running == {"JobSummaries": [], "NextToken": None}


async def test_without_kind_the_answer_is_list_training_jobs_as_before(jp_fetch: Any, project: Path) -> None:
    await _create(jp_fetch, [("training", "old-train"), ("processing", "old-prep"), ("trial", "old-trial")])
    page = _body(await jp_fetch("labstudio", "api", "jobs"))
    assert set(page) == {"TrainingJobSummaries", "NextToken"}
    assert [j["TrainingJobName"] for j in page["TrainingJobSummaries"]] == ["old-trial", "old-train"]
    assert "Kind" not in page["TrainingJobSummaries"][0]
    # The SDK's and CLI's call is unchanged too.
    first = _body(await jp_fetch("labstudio", "api", "jobs", params={"limit": 1}))
    rest = _body(await jp_fetch("labstudio", "api", "jobs", params={"limit": 1, "next_token": first["NextToken"]}))
    assert [j["TrainingJobName"] for j in first["TrainingJobSummaries"] + rest["TrainingJobSummaries"]] == ["old-trial", "old-train"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "training,pipeline"}, "kind"),
        ([("kind", "processing"), ("kind", "Training")], "kind"),
        ({"kind": "processing", "limit": "0"}, "limit"),
        ({"kind": "processing", "limit": "1001"}, "limit"),
        ({"kind": "processing", "limit": "lots"}, "limit"),
        ({"kind": "processing", "status": "Running"}, "status"),
        ({"kind": "transform", "next_token": "garbage!"}, "next_token"),
    ],
)
async def test_bad_queries_are_400_naming_the_parameter(jp_fetch: Any, params: object, field: str) -> None:
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", params=params)
    assert code == 400 and err["field"] == field, err
    assert "Input should" not in err["message"], err
