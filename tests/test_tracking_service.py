"""ExperimentService: experiments CRUD, deletion rules, paging, CSV, comparison, analytics."""
from __future__ import annotations

import csv
import io
import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

from labstudio.errors import Conflict, Invalid, NotFound
from labstudio.shapes import to_json


def _job(core, name: str, run_id: str, status: str) -> None:  # type: ignore[no-untyped-def]
    from labstudio.store import jobs

    with core.db.write() as conn:
        jobs.insert_job(
            conn,
            {
                "name": name, "run_id": run_id, "backend": "local", "status": status, "secondary_status": "Training",
                "status_message": "", "failure_reason": None, "spec": {}, "job_dir": str(core.settings.jobs_dir / name),
                "experiment_name": "exp", "creation_time": time.time(),
            },
        )


def _job_run(core, name: str, experiment: str = "exp") -> str:  # type: ignore[no-untyped-def]
    from labstudio.store import runs

    with core.db.write() as conn:
        return runs.create_run(conn, experiment_name=experiment, name=name, source_type="TrainingJob", source_name=name)


def test_experiment_crud(core) -> None:  # type: ignore[no-untyped-def]
    svc = core.experiments
    exp = svc.create_experiment("vision", "image models", {"team": "cv"})
    assert exp["name"] == "vision" and exp["tags"] == {"team": "cv"} and exp["run_count"] == 0
    with pytest.raises(Conflict):
        svc.create_experiment("vision")
    for bad, field in ((None, "name"), ("", "name"), ("a/b", "name"), ("x" * 256, "name")):
        with pytest.raises(Invalid) as info:
            svc.create_experiment(bad)
        assert info.value.field == field
    svc.create_experiment("other")
    with pytest.raises(Conflict):
        svc.update_experiment("vision", new_name="other")
    renamed = svc.update_experiment("vision", new_name="vision-2", description="new", tags={"team": None, "owner": "ana"})
    assert renamed["name"] == "vision-2" and renamed["description"] == "new" and renamed["tags"] == {"owner": "ana"}
    assert svc.get_experiment(renamed["id"])["name"] == "vision-2"  # by id too
    with pytest.raises(NotFound):
        svc.get_experiment("vision")
    assert sorted(e["name"] for e in svc.list_experiments()) == ["other", "vision-2"]


def test_delete_refuses_running_jobs_skips_them_and_spares_foreign_files(core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run
    from labstudio.artifacts import ArtifactStore
    from labstudio.store import runs, schema

    store = ArtifactStore(core.settings.artifact_uri)
    user_data = tmp_path / "userdata"
    user_data.mkdir()
    (user_data / "train.csv").write_text("x,y\n")

    done = _job_run(core, "job-done")
    _job(core, "job-done", done, "Completed")
    model = store.put_bytes(b"model", "jobs/job-done/output/model.tar.gz")
    served = store.put_bytes(b"served", "jobs/job-done/output/served.tar.gz")
    live = _job_run(core, "job-live")
    _job(core, "job-live", live, "InProgress")
    live_file = store.put_bytes(b"partial", "jobs/job-live/output/model.tar.gz")
    job_dir_file = core.settings.jobs_dir / "job-live" / "opt" / "ml" / "model" / "w.bin"
    job_dir_file.parent.mkdir(parents=True)
    job_dir_file.write_bytes(b"w")
    with core.db.write() as conn:
        runs.add_artifact(conn, done, "train", f"file://{user_data}", is_output=False)
        runs.add_artifact(conn, done, "SageMaker.ModelArtifact", model, is_output=True)
        runs.add_artifact(conn, done, "served", served, is_output=True)
        runs.add_artifact(conn, live, "SageMaker.ModelArtifact", live_file, is_output=True)
        runs.add_artifact(conn, live, "workdir", str(job_dir_file), is_output=True)
        conn.execute(schema.endpoints.insert().values(name="ep", status="InService", host="127.0.0.1", config="{}",
                                                      creation_time=time.time(), last_modified_time=time.time()))
        conn.execute(schema.endpoint_variants.insert().values(endpoint_name="ep", name="v", model_data=served, weight=1.0,
                                                              instance_count=1, status="InService", config="{}", created_time=time.time()))
    report = tmp_path / "report.txt"
    report.write_text("r")
    with Run(experiment_name="exp", run_name="script") as run:
        logged = run.log_file(report)
        run.log_metric("loss", 1.0)

    with pytest.raises(Conflict, match="job-live"):
        core.experiments.delete_experiment("exp")
    assert core.experiments.get_experiment("exp")["run_count"] == 3  # nothing touched

    result = core.experiments.delete_experiment("exp", skip_running=True)
    assert result["deleted_runs"] == 2 and result["skipped_running_runs"] == 1 and not result["experiment_deleted"]
    assert not Path(model).exists() and not Path(logged).exists()
    assert Path(served).exists(), "a model an endpoint serves is kept"
    assert (user_data / "train.csv").exists(), "input data outside the store is the user's"
    assert Path(live_file).exists() and job_dir_file.exists(), "a running job's files are never touched"
    with pytest.raises(NotFound):
        core.experiments.get_run(done)
    with core.db.read() as conn:
        assert conn.execute(schema.run_metrics.select().where(schema.run_metrics.c.run_id == run.run_id)).first() is None
    assert core.experiments.get_run(live)["status"] == "InProgress"
    with pytest.raises(Conflict):
        core.experiments.delete_run(live)

    from labstudio.store import jobs

    with core.db.write() as conn:
        jobs.update_job(conn, "job-live", status="Completed")
    result = core.experiments.delete_experiment("exp")
    assert result["experiment_deleted"] and result["deleted_runs"] == 1
    with pytest.raises(NotFound):
        core.experiments.get_experiment("exp")


def _runs(n: int, experiment: str = "page") -> list[str]:
    from labstudio import Run

    ids = []
    for i in range(n):
        with Run(experiment_name=experiment, run_name=f"r{i:02d}") as run:
            run.log_parameter("i", i)
            run.log_metric("loss", 1.0 / (i + 1))
        ids.append(run.run_id)
    return ids


def test_paging_walks_every_run_once(core) -> None:  # type: ignore[no-untyped-def]
    ids = _runs(7)
    seen, token = [], None
    while True:
        page = core.experiments.search_runs(experiment="page", order_by="params.i asc", limit=3, next_token=token)
        assert page["total"] == 7
        seen += [r["name"] for r in page["runs"]]
        token = page["next_token"]
        if not token:
            break
    assert seen == [f"r{i:02d}" for i in range(7)]
    with pytest.raises(Invalid) as info:
        core.experiments.search_runs(experiment="page", limit=3, next_token=page_token_for_other(core))
    assert info.value.field == "next_token"
    with pytest.raises(Invalid):
        core.experiments.search_runs(next_token="garbage!")
    with pytest.raises(Invalid):
        core.experiments.search_runs(limit=0)
    with pytest.raises(NotFound):
        core.experiments.search_runs(experiment="nope")
    assert len(ids) == 7


def page_token_for_other(core) -> str:  # type: ignore[no-untyped-def]
    return core.experiments.search_runs(experiment="page", order_by="name", limit=1)["next_token"]


def test_csv_export(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run

    _runs(3, "csv")
    with Run(experiment_name="csv", run_name="odd", tags={"k": "v"}) as run:
        run.log_metric("loss", math.nan)
    rows = list(csv.DictReader(io.StringIO(core.experiments.export_csv(experiment="csv", order_by="name"))))
    assert [r["name"] for r in rows] == ["odd", "r00", "r01", "r02"]
    assert rows[0]["metrics.loss"] == "NaN" and rows[0]["tags.k"] == "v" and rows[1]["params.i"] == "0"
    assert float(rows[2]["metrics.loss"]) == 0.5


def test_compare_downsampling_keeps_shape_and_bounds(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run

    rng = np.random.default_rng(0)
    ids, truth = [], {}
    for i in range(3):
        values = np.cumsum(rng.normal(size=30_000))
        values[12_345] = 500.0 + i  # one spike that a sampler would miss
        values[20_000] = -500.0
        if i == 1:
            values[100] = np.nan
        with Run(experiment_name="cmp", run_name=f"c{i}") as run:
            run.log_series("loss", values)
            run.log_metric("short", 1.0)
        ids.append(run.run_id)
        truth[run.run_id] = values
    for max_points in (50, 333, 1000):
        for method in ("minmax", "lttb"):
            result = core.experiments.compare(ids, ["loss"], max_points=max_points, method=method)
            assert json.dumps(result, allow_nan=False)
            for s in result["series"]:
                assert s["downsampled"] and s["count"] == 30_000
                assert len(s["steps"]) <= max_points
                assert s["steps"] == sorted(s["steps"])
                numbers = [v for v in s["values"] if not isinstance(v, str)]
                assert max(numbers) == truth[s["run_id"]][12_345] and min(numbers) == -500.0  # extremes survive
                if method == "minmax":
                    assert len(s["steps"]) >= max_points // 4
                    assert (s["run_id"] == ids[1]) == ("NaN" in s["values"])
    full = core.experiments.compare(ids[:1], max_points=100_000)
    series = {s["metric"]: s for s in full["series"]}
    assert series["loss"]["downsampled"] is False and len(series["loss"]["steps"]) == 30_000
    assert series["short"]["values"] == [1.0] and full["metrics"] == ["loss", "short"]
    for bad in ({"runs": []}, {"runs": ids, "max_points": 1}, {"runs": ids, "max_points": "x"}, {"runs": ids, "metrics": "loss"},
                {"runs": ids, "method": "sample"}):
        with pytest.raises(Invalid) as info:
            core.experiments.compare(bad["runs"], bad.get("metrics"), bad.get("max_points", 100), bad.get("method", "minmax"))
        assert info.value.field in ("runs", "max_points", "metrics", "method")
    with pytest.raises(NotFound):
        core.experiments.compare(["0" * 32])


def test_compare_falls_back_when_buckets_are_incomplete(core) -> None:  # type: ignore[no-untyped-def]
    """Points written by the jobs engine's simple path (no buckets) still compare correctly."""
    from labstudio.store import runs
    from labstudio.store.metrics import Point, insert_points

    with core.db.write() as conn:
        rid = runs.create_run(conn, experiment_name="jobs", name="j")
        insert_points(conn, rid, [Point("loss", float(v), None, 0.0) for v in np.sin(np.arange(5000) / 100)])
    s = core.experiments.compare([rid], max_points=200)["series"][0]
    assert s["downsampled"] and len(s["steps"]) <= 200
    assert max(s["values"]) == pytest.approx(1.0, abs=1e-3) and min(s["values"]) == pytest.approx(-1.0, abs=1e-3)
    h = core.experiments.metric_history(rid, "loss", max_points=100)
    assert len(h["steps"]) <= 100


def test_search_runs_dataframe_and_analytics_columns(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import ExperimentAnalytics, Run, search_runs

    for i, opt in enumerate(["adam", "sgd", "adam"]):
        with Run(experiment_name="ana", run_name=f"a{i}", trial_name="t1" if i else None) as run:
            run.log_parameters({"lr": 10.0 ** -i, "optimizer": opt, "epochs": 10 + i})
            run.log_series("loss", [3.0 - i, 2.0 - i, 1.0 - i])
            run.log_metric("acc", 0.5 + i / 10)
            run.log_artifact("data", "s3://b/d.csv", media_type="text/csv", is_output=False)
    df = search_runs("ana", filter="params.optimizer = 'adam'", order_by="metrics.acc desc")
    assert list(df["run_name"]) == ["a2", "a0"]
    for col in ("run_id", "experiment_name", "status", "start_time", "end_time", "params.lr", "params.optimizer", "metrics.loss", "metrics.acc"):
        assert col in df.columns
    assert df["params.lr"].dtype.kind == "f" and df["params.epochs"].dtype.kind == "i"
    assert str(df["start_time"].dtype).startswith("datetime64") and df["metrics.loss"].tolist() == [-1.0, 1.0]
    assert len(search_runs(max_results=1)) == 1

    ea = ExperimentAnalytics(experiment_name="ana", sort_by="metrics.acc.max", sort_order="Ascending")
    frame = ea.dataframe()
    expected = ["TrialComponentName", "DisplayName", "epochs", "lr", "optimizer"]
    expected += [f"{m} - {s}" for m in ("acc", "loss") for s in ("Min", "Max", "Avg", "StdDev", "Last", "Count")]
    expected += ["data - MediaType", "data - Value", "Trials", "Experiments"]
    assert list(frame.columns) == expected
    assert list(frame["DisplayName"]) == ["a0", "a1", "a2"]
    row = frame.iloc[0]
    assert row["loss - Min"] == 1.0 and row["loss - Max"] == 3.0 and row["loss - Avg"] == 2.0
    assert row["loss - StdDev"] == pytest.approx(1.0) and row["loss - Last"] == 1.0 and row["loss - Count"] == 3
    assert row["Experiments"] == ["ana"] and frame.iloc[1]["Trials"] == ["t1"]
    narrow = ExperimentAnalytics("ana", metric_names=["acc"], parameter_names=["lr"]).dataframe()
    assert [c for c in narrow.columns if " - " in c and "data" not in c] == [f"acc - {s}" for s in ("Min", "Max", "Avg", "StdDev", "Last", "Count")]
    assert "optimizer" not in narrow.columns and "lr" in narrow.columns
    filtered = ExperimentAnalytics(search_expression={"Filters": [{"Name": "Parameters.optimizer", "Operator": "Equals", "Value": "sgd"}]})
    assert list(filtered.dataframe()["DisplayName"]) == ["a1"]
    with pytest.raises(Invalid):
        ExperimentAnalytics()


def test_deleting_a_run_keeps_its_inputs_even_inside_the_artifact_store(core, write_script) -> None:  # type: ignore[no-untyped-def]
    """A job whose channel is an earlier job's output folder in the artifact store: deleting the
    later job's run deletes its own outputs, never that input (the earlier job's archives)."""
    from sqlalchemy import select

    from labstudio.artifacts import ArtifactStore
    from labstudio.store import schema

    script = write_script(
        "import os\n"
        "src = os.environ.get('SM_CHANNEL_TRAIN')\n"
        "names = sorted(os.listdir(src)) if src else []\n"
        "open('/opt/ml/model/w.txt', 'w').write(repr(names))\n"
    )
    first = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": str(script), "name": "producer"}))["TrainingJobName"], timeout=60))
    assert first["TrainingJobStatus"] == "Completed", first.get("FailureReason")
    produced = Path(first["ModelArtifacts"]["S3ModelArtifacts"].removeprefix("file://"))
    store_root = ArtifactStore(core.settings.artifact_uri).root
    assert produced.is_file() and store_root.resolve() in produced.resolve().parents
    second = to_json(core.jobs.submit({"entry_point": str(script), "name": "consumer", "channels": {"train": str(produced.parent)}}))
    second = to_json(core.jobs.wait(second["TrainingJobName"], timeout=60))
    assert second["TrainingJobStatus"] == "Completed", second.get("FailureReason")
    own = Path(second["ModelArtifacts"]["S3ModelArtifacts"].removeprefix("file://"))
    with core.db.read() as conn:
        run_id = conn.execute(select(schema.jobs.c.run_id).where(schema.jobs.c.name == "consumer")).scalar_one()
    detail = core.experiments.get_run(run_id)
    assert detail["job"]["name"] == "consumer" and detail["job"]["kind"] == "training"
    assert any(not a["is_output"] for a in detail["artifacts"])  # the channel is recorded as an input

    core.experiments.delete_run(run_id)
    assert not own.exists(), "the run's own model archive goes with it"
    assert produced.is_file(), "the input (another job's archive) is never deleted"
    assert sorted(p.name for p in produced.parent.iterdir()) == ["model.tar.gz", "output.tar.gz"]
