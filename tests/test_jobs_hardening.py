"""The jobs REST API against input that used to be accepted and then crash, and against
state that used to answer 500: every row answers 4xx JSON naming the field, creates nothing."""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from httpjson import body as _body
from httpjson import error as _error

ENTRY = {"entry_point": "train.py", "source_dir": "project"}
BIG = 131_000  # past what fits with SM_TRAINING_ENV's own bytes in one exec string


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    src = jp_root_dir / "project"
    src.mkdir(parents=True, exist_ok=True)
    (src / "train.py").write_text("print('loss=0.5')\n")
    (jp_root_dir / "data").mkdir(exist_ok=True)
    return src


async def _wait_done(jp_fetch, name: str, timeout: float = 90.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        d = _body(await jp_fetch("labstudio", "api", "jobs", name))
        if d["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            return d
        assert time.monotonic() < deadline, f"{name} still {d['TrainingJobStatus']}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    "extra, field, words",
    [
        ({"hyperparameters": {"lr": "0.1\x00rm"}}, "hyperparameters", "NUL"),
        ({"hyperparameters": {"opt": {"inner": ["a\x00b"]}}}, "hyperparameters", "NUL"),
        ({"hyperparameters": {"l\x00r": 1}}, "hyperparameters", "NUL"),
        ({"hyperparameters": {"a=b": 1}}, "hyperparameters", "'='"),
        ({"environment": {"MODE": "x\x00y"}}, "environment", "NUL"),
        ({"tags": {"team": "a\x00"}}, "tags", "NUL"),
        ({"tags": {"te\x00am": "a"}}, "tags", "NUL"),
        ({"experiment_name": "exp\x00"}, "experiment_name", "NUL"),
        ({"trial_name": "t\x00"}, "trial_name", "NUL"),
        ({"metric_definitions": [{"Name": "lo\x00ss", "Regex": "loss=([0-9.]+)"}]}, "metric_definitions", "NUL"),
        ({"channels": {"train": "data\x00"}}, "channels", "NUL"),
        ({"entry_point": "train\x00.py"}, "entry_point", "NUL"),
        ({"source_dir": "proj\x00ect"}, "source_dir", "NUL"),
        ({"source_dir": None, "entry_point": "project/train\x00.py"}, "entry_point", "NUL"),
        ({"source_dir": None, "entry_point": "~nosuchuser-labstudio/x.py"}, "entry_point", "no home folder"),
        ({"source_dir": "~nosuchuser-labstudio/src"}, "source_dir", "no home folder"),
        ({"channels": {"train": "~nosuchuser-labstudio/data"}}, "channels", "no home folder"),
        ({"name": "job\n"}, "name", "invalid"),
        ({"hyperparameters": {"text": "x" * BIG}}, "hyperparameters", "131072"),
        ({"hyperparameters": {f"p{i}": "x" * 20_000 for i in range(8)}}, "hyperparameters", "131072"),
        ({"environment": {"BLOB": "x" * BIG * 2}}, "environment", "131072"),
        ({"environment": {f"BLOB{i}": "x" * 120_000 for i in range(40)}}, "environment", "ARG_MAX"),
    ],
)
async def test_input_the_supervisor_cannot_run_is_refused_at_submit(jp_fetch, project, extra, field, words) -> None:  # type: ignore[no-untyped-def]
    request = {**ENTRY, **extra}
    request = {k: v for k, v in request.items() if v is not None}
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps(request))
    assert code == 400, err
    assert err["field"] == field and words in err["message"], err
    listed = _body(await jp_fetch("labstudio", "api", "jobs"))
    assert listed["TrainingJobSummaries"] == []  # nothing was created


async def test_big_values_are_pointed_to_a_channel(jp_fetch, project) -> None:  # type: ignore[no-untyped-def]
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST",
                             body=json.dumps({**ENTRY, "hyperparameters": {"text": "x" * BIG}}))
    assert code == 400 and "channel" in err["message"] and "SM_CHANNEL_" in err["message"]


async def test_largest_values_that_fit_still_run(jp_fetch, project) -> None:  # type: ignore[no-untyped-def]
    (project / "train.py").write_text("import os, sys\nprint(len(sys.argv[2]), len(os.environ['BLOB']))\n")
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps(
        {**ENTRY, "name": "fits", "hyperparameters": {"text": "x" * 60_000}, "environment": {"BLOB": "y" * 130_000}}))
    done = await _wait_done(jp_fetch, "fits")
    assert done["TrainingJobStatus"] == "Completed", done["FailureReason"]
    log = _body(await jp_fetch("labstudio", "api", "jobs", "fits", "logs"))
    assert log["text"].split() == ["60000", "130000"]


async def test_log_offsets_past_the_end_are_400(jp_fetch, project) -> None:  # type: ignore[no-untyped-def]
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({**ENTRY, "name": "logged"}))
    await _wait_done(jp_fetch, "logged")
    full = _body(await jp_fetch("labstudio", "api", "jobs", "logged", "logs"))
    size = full["next_offset"]
    assert size > 0
    at_end = _body(await jp_fetch("labstudio", "api", "jobs", "logged", "logs", params={"offset": size}))
    assert at_end == {"text": "", "next_offset": size, "complete": True}
    for offset in (size + 1, 10**15, 2**53 - 1):
        code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "logged", "logs", params={"offset": offset})
        assert code == 400 and err["field"] == "offset" and f"size {size}" in err["message"], (offset, err)
    for offset in (10**16, 2**63, 2**64 + 5, "9" * 5000):
        code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "logged", "logs", params={"offset": offset})
        assert code == 400 and err["field"] == "offset", (offset, err)


async def test_duplicate_name_is_409(jp_fetch, project) -> None:  # type: ignore[no-untyped-def]
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({**ENTRY, "name": "twice"}))
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps({**ENTRY, "name": "twice"}))
    assert code == 409 and err["field"] == "name" and "already exists" in err["message"]
    doc = _body(await jp_fetch("labstudio", "api", "openapi.json"))
    assert "409" in doc["paths"]["/labstudio/api/jobs"]["post"]["responses"]
    await _wait_done(jp_fetch, "twice")


@pytest.mark.parametrize("delete", ["run", "experiment"])
async def test_archives_of_a_deleted_run_are_gone_not_500(jp_fetch, project, delete) -> None:  # type: ignore[no-untyped-def]
    (project / "train.py").write_text("import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'w.txt'), 'w').write('1')\n")
    await jp_fetch("labstudio", "api", "jobs", method="POST",
                   body=json.dumps({**ENTRY, "name": "orphan", "experiment_name": "doomed"}))
    done = await _wait_done(jp_fetch, "orphan")
    assert done["TrainingJobStatus"] == "Completed" and done["ModelArtifacts"]["S3ModelArtifacts"]
    assert (await jp_fetch("labstudio", "api", "jobs", "orphan", "artifacts", "model")).code == 200
    if delete == "run":
        await jp_fetch("labstudio", "api", "runs", done["RunId"], method="DELETE")
    else:
        await jp_fetch("labstudio", "api", "experiments", "doomed", method="DELETE")
    for kind in ("model", "output"):
        code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "orphan", "artifacts", kind)
        assert code == 410 and err["field"] == "kind", err
        assert "deleted together with the job's run" in err["message"]
    described = _body(await jp_fetch("labstudio", "api", "jobs", "orphan"))
    assert described["ModelArtifacts"] == {"S3ModelArtifacts": None, "Deleted": True}
    assert described["OutputArtifacts"] == {"S3OutputArtifacts": None, "Deleted": True}
    assert described["TrainingJobStatus"] == "Completed"  # the job's record stays as it was
    log = await jp_fetch("labstudio", "api", "jobs", "orphan", "artifacts", "log")
    assert log.code == 200


async def test_metrics_come_in_pages_and_all_arrive_in_order(jp_fetch, project, core) -> None:  # type: ignore[no-untyped-def]
    from labstudio.store.ingest import write_points

    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({**ENTRY, "name": "many-points"}))
    done = await _wait_done(jp_fetch, "many-points")
    counts = {"acc": 7_000, "loss": 18_000}
    for key, n in counts.items():  # through the store's ingest path, as the supervisor writes
        with core.db.write() as conn:
            write_points(conn, done["RunId"], [(key, i / 1000, i, 1000.0 + i) for i in range(n)])

    async def collect(**params):  # type: ignore[no-untyped-def]
        got: dict[str, list[int]] = {}
        pages, token = 0, None
        while True:
            query = {**params, **({"next_token": token} if token else {})}
            page = _body(await jp_fetch("labstudio", "api", "jobs", "many-points", "metrics", params=query))
            pages += 1
            assert sum(len(m["points"]) for m in page["metrics"]) <= params.get("limit", 10_000)
            for m in page["metrics"]:
                got.setdefault(m["name"], []).extend(p["step"] for p in m["points"])
            token = page["NextToken"]
            if not token:
                return got, pages

    got, pages = await collect()
    assert pages == 3  # 25,000 points at the default 10,000 a page
    assert got == {k: list(range(n)) for k, n in counts.items()}
    got, pages = await collect(metric="loss", limit=5_000)
    assert pages == 4 and got == {"loss": list(range(18_000))}
    first = _body(await jp_fetch("labstudio", "api", "jobs", "many-points", "metrics", params={"limit": 2}))
    assert first["metrics"] == [{"name": "acc", "points": [{"step": 0, "value": 0.0, "timestamp": 1000.0},
                                                           {"step": 1, "value": 0.001, "timestamp": 1001.0}]}]
    import base64

    def forged(*parts: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()

    bad = [({"limit": 0}, "limit"), ({"limit": 100_001}, "limit"), ({"next_token": "nope"}, "next_token"),
           ({"next_token": forged("loss", 10**30, 1)}, "next_token"), ({"next_token": forged("\ud800", 1, 1)}, "next_token")]
    for params, field in bad:
        code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "many-points", "metrics", params=params)
        assert code == 400 and err["field"] == field
