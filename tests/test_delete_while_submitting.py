"""Deleting an experiment while a training job is being submitted into it.

Either the delete refuses (409: a run of the experiment belongs to a live job) or it
happens first and the job's run is created afterwards: a job is never left without its
run, and its metrics are never lost.
"""
from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from conftest import wait_for
from httpjson import body as _body
from labstudio.errors import Conflict

pytestmark = pytest.mark.slow

SCRIPT = "import time\ntime.sleep(0.5)\nfor i in range(3):\n    print(f'loss={i}', flush=True)\n"
METRICS = [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]
ROUNDS = 16


def _check_job(core, name: str) -> None:  # type: ignore[no-untyped-def]
    done = wait_for(lambda: (d := core.jobs.describe(name))["TrainingJobStatus"] in ("Completed", "Failed", "Stopped") and d,
                    message=f"{name} to finish")
    assert done["TrainingJobStatus"] == "Completed", done["FailureReason"]
    run = core.experiments.get_run(done["RunId"])
    assert run["metrics"]["loss"]["count"] == 3


def _race_submit_and_delete(core, base_dir: Path, experiment: str, name: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Submit `name` into `experiment` and delete the experiment, both released at once."""
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def submit() -> None:
        barrier.wait()
        results["job"] = core.jobs.submit(
            {"entry_point": "train.py", "source_dir": "src", "name": name, "experiment_name": experiment,
             "metric_definitions": METRICS},
            base_dir=base_dir,
        )

    def delete() -> None:
        barrier.wait()
        try:
            results["delete"] = core.experiments.delete_experiment(experiment)
        except Conflict as exc:
            results["delete"] = exc

    threads = [threading.Thread(target=submit), threading.Thread(target=delete)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture(params=["sqlite", "postgresql"])
def any_core(request):  # type: ignore[no-untyped-def]
    """The same race on SQLite and on PostgreSQL, where the submit used to meet the deleted
    experiment as a foreign-key violation (an IntegrityError, HTTP 500)."""
    return request.getfixturevalue("core" if request.param == "sqlite" else "pg_core")


def test_delete_experiment_racing_submit_never_orphans_the_job(any_core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    core = any_core
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(SCRIPT)
    outcomes = []
    for i in range(ROUNDS):
        experiment, name = f"race-{i}", f"race-job-{i}"
        core.experiments.create_experiment(experiment)
        results = _race_submit_and_delete(core, tmp_path, experiment, name)
        job = results["job"]
        assert isinstance(job, dict)
        outcome = results["delete"]
        outcomes.append(type(outcome).__name__)
        # the job's run exists right now, whichever came first
        run = core.experiments.get_run(job["RunId"])
        assert run["experiment"] == experiment and run["job"]["name"] == name
        if isinstance(outcome, Conflict):
            assert name in outcome.message
    for i in range(ROUNDS):
        _check_job(core, f"race-job-{i}")


async def _delete_over_rest(jp_fetch, experiment: str):  # type: ignore[no-untyped-def]
    """DELETE the experiment: its body on success, the HTTP status on refusal."""
    try:
        return _body(await jp_fetch("labstudio", "api", "experiments", experiment, method="DELETE"))
    except HTTPClientError as exc:
        return exc.code


async def test_delete_experiment_racing_post_jobs_over_rest(jp_fetch, jp_root_dir: Path, core) -> None:  # type: ignore[no-untyped-def]
    (jp_root_dir / "src").mkdir()
    (jp_root_dir / "src" / "train.py").write_text(SCRIPT)
    for i in range(8):
        experiment, name = f"rest-race-{i}", f"rest-race-job-{i}"
        await jp_fetch("labstudio", "api", "experiments", method="POST", body=json.dumps({"name": experiment}))
        submitted, deleted = await asyncio.gather(
            jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps(
                {"entry_point": "train.py", "source_dir": "src", "name": name, "experiment_name": experiment,
                 "metric_definitions": METRICS})),
            _delete_over_rest(jp_fetch, experiment),
        )
        job = _body(submitted)
        assert deleted == 409 or deleted["experiment_deleted"] is True, deleted
        run = _body(await jp_fetch("labstudio", "api", "runs", job["RunId"]))
        assert run["job"]["name"] == name
    for i in range(8):
        await asyncio.get_running_loop().run_in_executor(None, _check_job, core, f"rest-race-job-{i}")
