"""The same job contract on every backend: `local`, and `ray` on a real two-node cluster with a
real PostgreSQL store and a real S3-compatible artifact store (moto).

Each case runs a real job: the script sees the SageMaker contract (SM_*, /opt/ml), its log is
followed through the service while it runs, stop kills the script's processes, a supervisor
killed with SIGKILL fails the job with a reason; a pipeline's steps are jobs of that backend. Ray-only: a node lost mid-job fails the job
naming the node; refusals (SQLite store, Ray not installed) come before anything is created.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio.shapes import to_json

pytestmark = pytest.mark.xdist_group("ray")  # one Ray cluster per test run (--dist loadgroup)

SCRIPT = """\
import json, os, sys, time
rc = json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "resourceconfig.json")))
print("contract " + json.dumps({
    "current": os.environ["SM_CURRENT_HOST"], "hosts": json.loads(os.environ["SM_HOSTS"]),
    "rc_host": rc["current_host"], "model_dir": os.environ["SM_MODEL_DIR"],
    "train": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"])),
    "data": open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "a.txt")).read(),
    "lr": json.loads(os.environ["SM_HPS"])["lr"],
}), flush=True)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
    f.write("weights")
for step in range(int(os.environ.get("STEPS", "2"))):
    print(f"step={step} loss={0.5 / (step + 1)}", flush=True)
    time.sleep(float(os.environ.get("PAUSE", "0.5")))
print("done", flush=True)
"""

METRICS = [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}]


@pytest.fixture(scope="module")
def pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database for this module's Ray jobs (the cluster's nodes reach it too)."""
    url = request.getfixturevalue("postgres_url")
    import sqlalchemy

    name = f"lsray_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["local", "ray"])
def backend(request: pytest.FixtureRequest, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """LABSTUDIO_BACKEND for the test; for ray: the cluster, PostgreSQL and S3 as a team has them."""
    if request.param == "ray":
        cluster = request.getfixturevalue("ray_cluster")
        s3 = request.getfixturevalue("s3_env")
        monkeypatch.setenv("LABSTUDIO_DB_URL", request.getfixturevalue("pg_database"))
        monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", s3.url("artifacts"))
        monkeypatch.setenv("LABSTUDIO_RAY_ADDRESS", cluster.address)
        monkeypatch.setenv("LABSTUDIO_HEARTBEAT_TIMEOUT", "10")
        for key, value in cluster.env.items():
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("LABSTUDIO_BACKEND", request.param)
    return request.param


@pytest.fixture
def jobs(backend: str):
    from labstudio.core import Core

    core = Core.from_env()
    yield core.jobs
    core.db.dispose()


def _source(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "train.py").write_text(SCRIPT)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "a.txt").write_text("hello from the channel")
    return src, data


def _request(tmp_path: Path, name: str, **extra) -> dict:
    src, data = _source(tmp_path)
    req = {
        "name": name,
        "entry_point": "train.py",
        "source_dir": str(src),
        "channels": {"train": str(data)},
        "hyperparameters": {"lr": 0.1},
        "metric_definitions": METRICS,
    }
    req.update(extra)
    return req


def _follow(jobs, name: str, until: str, timeout: float = 120.0) -> str:
    """The job's log read by offsets as the panel does, until `until` appears."""
    text, offset = [""], [0]

    def more() -> bool:
        part = to_json(jobs.logs(name, offset=offset[0]))
        text[0] += part["text"]
        offset[0] = part["next_offset"]
        return until in text[0]

    wait_for(more, timeout=timeout, interval=0.2, message=f"{until!r} in {name}'s log")
    return text[0]


def test_training_contract_logs_and_metrics(backend: str, jobs, tmp_path: Path) -> None:
    name = f"contract-{backend}"
    described = to_json(jobs.submit(_request(tmp_path, name)))
    assert described["TrainingJobStatus"] == "InProgress"
    text = _follow(jobs, name, "done")
    assert "contract " in text
    import json

    seen = json.loads(text.split("contract ", 1)[1].splitlines()[0])
    assert seen["current"] == "algo-1" and seen["hosts"] == ["algo-1"] and seen["rc_host"] == "algo-1"
    assert seen["train"] == ["a.txt"] and seen["data"] == "hello from the channel"
    assert seen["lr"] == 0.1
    final = to_json(jobs.wait(name, timeout=120))
    assert final["TrainingJobStatus"] == "Completed", final.get("FailureReason")
    losses = {m["MetricName"]: m["Value"] for m in final["FinalMetricDataList"]}
    assert losses["loss"] == pytest.approx(0.25)
    model = final["ModelArtifacts"]["S3ModelArtifacts"]
    whole = to_json(jobs.logs(name))
    assert whole["complete"] and "step=1 loss=0.25" in whole["text"]
    if backend == "ray":
        assert model.startswith("s3://")
        from labstudio.core import Core

        core = Core.from_env()
        with core.db.read() as conn:
            from labstudio.store import hosts as hosts_store

            rows = hosts_store.list_hosts(conn, name)
        core.db.dispose()
        assert [r.status for r in rows] == ["Completed"]
        assert "[" in (rows[0].node or ""), rows[0].node  # the Ray node id the host ran on
        # the node's own tree, never the submitting machine's
        assert not seen["model_dir"].startswith(str(Path(os.environ["LABSTUDIO_HOME"])))


def _job_processes(name: str) -> list[int]:
    """This machine's processes of the job (every one inherits TRAINING_JOB_NAME), by host pid:
    the script may see another pid inside its PID namespace."""
    from labstudio import procs

    return procs.processes_with_env(f"TRAINING_JOB_NAME={name}")


def test_stop_kills_the_script(backend: str, jobs, tmp_path: Path) -> None:
    name = f"stop-{backend}"
    jobs.submit(_request(tmp_path, name, environment={"STEPS": "600", "PAUSE": "0.2"}))
    _follow(jobs, name, "step=1")
    assert _job_processes(name)
    jobs.stop(name)
    final = to_json(jobs.wait(name, timeout=120))
    assert final["TrainingJobStatus"] == "Stopped", final.get("FailureReason")
    wait_for(lambda: not _job_processes(name), timeout=30, message=f"{name}'s processes gone")


def test_killed_supervisor_fails_the_job(backend: str, jobs, tmp_path: Path) -> None:
    name = f"killsup-{backend}"
    jobs.submit(_request(tmp_path, name, environment={"STEPS": "600", "PAUSE": "0.2"}))
    _follow(jobs, name, "step=1")
    from labstudio.core import Core
    from labstudio.store import hosts as hosts_store

    core = Core.from_env()

    def supervisor_pid() -> int | None:
        """Where the supervisor runs: the job's row (local) or its host row (on a node)."""
        if backend == "local":
            return jobs.get(name).supervisor_pid
        with core.db.read() as conn:
            return hosts_store.list_hosts(conn, name)[0].pid

    pid = wait_for(supervisor_pid, timeout=60, message="the supervisor's pid")
    core.db.dispose()
    os.kill(pid, signal.SIGKILL)
    final = to_json(jobs.wait(name, timeout=120))
    assert final["TrainingJobStatus"] == "Failed"
    assert "supervisor" in final["FailureReason"] and "ended unexpectedly" in final["FailureReason"]


def _node_dirs(name: str) -> list[Path]:
    """The job's folder on the Ray nodes (both run on this machine, under its temp folder)."""
    import tempfile

    return list(Path(tempfile.gettempdir(), f"labstudio-node-{os.getuid()}").glob(f"*/jobs/{name}"))


def test_whole_log_is_followed_and_served(backend: str, jobs, tmp_path: Path) -> None:
    """Every line of the job's log file reaches the panel, the supervisor's own lines written
    before the script (the channel's download) included; the log artifact is that log; on Ray
    the node keeps nothing of the job once it ended."""
    from labstudio.artifacts import open_uri

    name = f"wholelog-{backend}"
    jobs.submit(_request(tmp_path, name, environment={"STEPS": "1"}))
    text = _follow(jobs, name, "contract ")
    if backend == "ray":
        # local channels travel through the artifact store: the node downloads them first
        assert "labstudio: downloading s3://" in text.split("contract ", 1)[0], text
        assert _node_dirs(name)  # the job's folder on its node while it runs
    final = to_json(jobs.wait(name, timeout=120))
    assert final["TrainingJobStatus"] == "Completed", final.get("FailureReason")
    whole = to_json(jobs.logs(name))
    assert whole["complete"] and whole["text"].startswith(text) and "done" in whole["text"]
    uri = jobs.artifact(name, "log")
    with open_uri(uri) as handle:
        assert handle.read().decode() == whole["text"]
    if backend == "ray":
        assert uri.startswith("s3://"), uri
        wait_for(lambda: not _node_dirs(name), timeout=60, message=f"{name}'s folder removed from its node")


def _output_root(backend: str, tmp_path: Path, request: pytest.FixtureRequest, key: str) -> str:
    """Where a job's outputs go: a folder here (local), an s3:// prefix (ray)."""
    if backend == "ray":
        return request.getfixturevalue("s3_env").url(key)
    return str(tmp_path / key)


def _read(uri: str) -> str:
    from labstudio.artifacts import open_uri

    with open_uri(uri) as handle:
        return handle.read().decode()


PROCESS = """\
import os, time
text = open("/opt/ml/processing/input/a.txt").read()
print("processing " + text, flush=True)
time.sleep(1)
os.makedirs("/opt/ml/processing/output", exist_ok=True)
open("/opt/ml/processing/output/b.txt", "w").write(text.upper())
"""


def test_processing_job(backend: str, tmp_path: Path) -> None:
    """Its local input reaches the script, its output the artifact store, its log the service."""
    from labstudio.core import Core

    code = tmp_path / "proc.py"
    code.write_text(PROCESS)
    _, data = _source(tmp_path)
    core = Core.from_env()
    name = f"proc-{backend}"
    try:
        core.processing.submit({
            "name": name, "code": str(code),
            "inputs": [{"source": str(data), "destination": "/opt/ml/processing/input"}],
            "outputs": [{"output_name": "result", "source": "/opt/ml/processing/output"}],
        })
        _follow(core.processing, name, "processing hello from the channel")
        final = to_json(core.processing.wait(name, timeout=120))
        assert final["ProcessingJobStatus"] == "Completed", final.get("FailureReason")
        uri = final["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
        assert uri.startswith("s3://") == (backend == "ray"), uri
        assert _read(f"{uri}/b.txt") == "HELLO FROM THE CHANNEL"
        if backend == "ray":
            from labstudio.errors import Invalid

            with pytest.raises(Invalid) as err:  # a folder here is nothing a node can write to
                core.processing.submit({"name": "proc-refused", "code": str(code),
                                        "outputs": [{"source": "/opt/ml/processing/output", "destination": str(tmp_path / "out")}]})
            assert err.value.field == "outputs[0].destination" and "s3://" in err.value.message
            assert not core.processing.layout("proc-refused").job_dir.exists()
    finally:
        core.db.dispose()


INFERENCE = """\
def model_fn(model_dir):
    return open(model_dir + "/weights.txt").read()

def input_fn(body, content_type):
    return body if isinstance(body, str) else body.decode()

def predict_fn(data, model):
    print("transforming " + data.strip(), flush=True)
    return model + ":" + data.upper()

def output_fn(prediction, accept):
    return prediction, accept
"""


def test_transform_job(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Its model and code travel with the job, its local input through the artifact store; the
    .out file lands in its output path."""
    from labstudio.core import Core

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.txt").write_text("w1")
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "inference.py").write_text(INFERENCE)
    (tmp_path / "records.txt").write_text("some records\n")
    out = _output_root(backend, tmp_path, request, "scored")
    core = Core.from_env()
    name = f"transform-{backend}"
    try:
        core.transforms.submit({
            "name": name, "model": str(tmp_path / "model"), "entry_point": "inference.py", "source_dir": str(tmp_path / "code"),
            "input": str(tmp_path / "records.txt"), "output_path": out, "content_type": "text/plain",
        })
        _follow(core.transforms, name, "transforming some records")
        final = to_json(core.transforms.wait(name, timeout=120))
        assert final["TransformJobStatus"] == "Completed", final.get("FailureReason")
        assert _read(f"{out}/records.txt.out") == "w1:SOME RECORDS\n"
        if backend == "ray":
            from labstudio.errors import Invalid

            with pytest.raises(Invalid) as err:
                core.transforms.submit({"name": "transform-refused", "model": str(tmp_path / "model"), "entry_point": "inference.py",
                                        "source_dir": str(tmp_path / "code"), "input": str(tmp_path / "records.txt"),
                                        "output_path": str(tmp_path / "scored-here")})
            assert err.value.field == "output_path" and "s3://" in err.value.message
    finally:
        core.db.dispose()


TRIAL = """\
import argparse, time
p = argparse.ArgumentParser()
p.add_argument("--level", type=float)
a, _ = p.parse_known_args()
time.sleep(0.5)
print(f"loss: {a.level + 0.25:.5f}", flush=True)
"""


def test_tuning_sweep(backend: str, tmp_path: Path) -> None:
    """4 trials, 2 at a time, each a training job on the backend; the best one is found."""
    from labstudio.core import Core
    from labstudio.store import hosts as hosts_store

    (tmp_path / "tune").mkdir()
    (tmp_path / "tune" / "trial.py").write_text(TRIAL)
    core = Core.from_env()
    name = f"sweep-{backend}"
    try:
        core.tuning.submit({
            "name": name,
            "training": {"entry_point": "trial.py", "source_dir": str(tmp_path / "tune"),
                         "metric_definitions": [{"Name": "loss", "Regex": r"loss: ([0-9.]+)"}]},
            "objective_metric_name": "loss", "objective_type": "Minimize",
            "hyperparameter_ranges": {"level": {"type": "Continuous", "min_value": 0.0, "max_value": 5.0}},
            "strategy": "Random", "max_jobs": 4, "max_parallel_jobs": 2, "random_seed": 7,
        })
        final = to_json(core.tuning.wait(name, timeout=300))
        assert final["HyperParameterTuningJobStatus"] == "Completed", final.get("FailureReason")
        trials = to_json(core.tuning.training_jobs(name))["TrainingJobSummaries"]
        assert len(trials) == 4
        best = min(trials, key=lambda t: t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
        assert final["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
        level = float(best["TunedHyperParameters"]["level"])
        assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == pytest.approx(level + 0.25, abs=1e-4)
        for trial in trials:
            job = core.jobs.get(trial["TrainingJobName"])
            assert job.backend == backend
            with core.db.read() as conn:
                rows = hosts_store.list_hosts(conn, job.name)
            if backend == "ray":  # (a local single-host job's row is written at start only)
                assert [r.status for r in rows] == ["Completed"]
                assert "[" in (rows[0].node or ""), rows[0].node  # a Ray node's id
    finally:
        core.db.dispose()


# -- Ray only -------------------------------------------------------------------------


def test_ray_refuses_a_sqlite_store(labstudio_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labstudio.core import Core
    from labstudio.errors import Invalid

    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", "s3://bucket/art")
    core = Core.from_env()
    with pytest.raises(Invalid) as err:
        core.jobs.submit(_request(tmp_path, "refused", backend="ray"))
    core.db.dispose()
    assert err.value.field == "LABSTUDIO_DB_URL"
    assert "SQLite" in err.value.message and "PostgreSQL" in err.value.message
    assert not (labstudio_home / "jobs" / "refused").exists()


def test_ray_missing_extra_is_named_by_the_cli(labstudio_home: Path, tmp_path: Path) -> None:
    shim = tmp_path / "noray"
    shim.mkdir()
    # As if the extra were not installed: `import ray` fails (a None entry in sys.modules).
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['ray'] = None\n")
    src, _ = _source(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(shim), LABSTUDIO_BACKEND="ray")
    out = subprocess.run(
        [sys.executable, "-m", "labstudio.cli", "train", str(src / "train.py"), "--name", "noray"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert "pip install 'labstudio[ray]'" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (labstudio_home / "jobs" / "noray").exists()


def test_two_hosts(backend: str, jobs, tmp_path: Path) -> None:
    """instance_count 2: both hosts run the script with their own SM_CURRENT_HOST; on Ray the
    placement group spreads them over the two nodes."""
    import json

    name = f"twohosts-{backend}"
    jobs.submit(_request(tmp_path, name, instance_count=2))
    final = to_json(jobs.wait(name, timeout=180))
    assert final["TrainingJobStatus"] == "Completed", final.get("FailureReason")
    text = to_json(jobs.logs(name))["text"]
    seen = {}
    for line in text.splitlines():
        _, _, rest = line.partition(" | ")
        if rest.startswith("contract "):
            info = json.loads(rest[len("contract "):])
            seen[info["current"]] = info
    assert sorted(seen) == ["algo-1", "algo-2"], text
    assert all(info["hosts"] == ["algo-1", "algo-2"] for info in seen.values())
    if backend == "ray":
        from labstudio.core import Core
        from labstudio.store import hosts as hosts_store

        core = Core.from_env()
        with core.db.read() as conn:
            rows = hosts_store.list_hosts(conn, name)
        core.db.dispose()
        node_ids = {(r.node or "").rsplit("[", 1)[-1] for r in rows}
        assert len(node_ids) == 2, [r.node for r in rows]  # one host per node


def test_ray_lost_node_fails_the_job_naming_it(backend: str, jobs, tmp_path: Path, request: pytest.FixtureRequest,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Last in the file: it kills node 2 (restarted afterwards for whatever runs next).
    if backend != "ray":
        pytest.skip("a node is a Ray notion")
    cluster = request.getfixturevalue("ray_cluster")
    monkeypatch.setenv("LABSTUDIO_RAY_HOST_RESOURCES", '{"CPU": 1, "node2": 1}')  # pinned to node 2
    from labstudio.core import Core

    jobs = Core.from_env().jobs  # a core reads its settings when it starts
    name = "lost-node"
    jobs.submit(_request(tmp_path, name, environment={"STEPS": "600", "PAUSE": "0.2"}))
    _follow(jobs, name, "step=1")
    try:
        cluster.kill_node2()
        final = to_json(jobs.wait(name, timeout=120))
        assert final["TrainingJobStatus"] == "Failed"
        reason = final["FailureReason"]
        assert "node" in reason and cluster.node2_id in reason, reason
    finally:
        cluster.restart_node2()


def test_pipeline_steps_run_on_the_backend(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small pipeline (processing -> training reading its output) whose steps are jobs of the
    backend chosen: on Ray each step's job runs on a cluster node, its outputs in the S3 store."""
    from labstudio.core import Core
    from labstudio.inputs import TrainingInput
    from labstudio.processing import ProcessingInput, ProcessingOutput
    from labstudio.workflow.pipeline import Pipeline
    from labstudio.workflow.pipeline_context import PipelineSession
    from labstudio.workflow.steps import ProcessingStep, TrainingStep
    from pipeline_helpers import estimator, processor, steps_by_name, write_project

    project = write_project(tmp_path / "project")
    monkeypatch.chdir(project)
    session = PipelineSession()
    prep = ProcessingStep("Prep", step_args=processor(session).run(
        code="code/prep.py", inputs=[ProcessingInput(source=str(project / "data"), destination="/opt/ml/processing/input")],
        outputs=[ProcessingOutput(output_name="train", source="/opt/ml/processing/train")]))
    train = TrainingStep("Train", step_args=estimator(session, scale=2).fit(
        {"train": TrainingInput(prep.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri)}))
    name = f"on-{backend}"
    Pipeline(name, steps=[prep, train], sagemaker_session=session).upsert()
    core = Core.from_env()
    try:
        started = core.pipelines.start(name)
        final = core.pipelines.wait(started["PipelineExecutionArn"], timeout=300)
        steps = steps_by_name(core.pipelines.list_steps(started["PipelineExecutionArn"])["PipelineExecutionSteps"])
        assert final["PipelineExecutionStatus"] == "Succeeded", (final.get("FailureReason"), steps)
        prepared = to_json(core.processing.describe(steps["Prep"]["JobName"]))
        trained = to_json(core.jobs.describe(steps["Train"]["JobName"]))
        output = prepared["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
        model = trained["ModelArtifacts"]["S3ModelArtifacts"]
        assert output.startswith("s3://") == model.startswith("s3://") == (backend == "ray"), (output, model)
        # Train read Prep's output: the mean of the first half of the labels (2.75) x scale 2, less 2.
        assert {m["MetricName"]: m["Value"] for m in trained["FinalMetricDataList"]}["loss"] == pytest.approx(3.5)
        if backend == "ray":
            from labstudio.store import hosts as hosts_store

            with core.db.read() as conn:
                rows = [*hosts_store.list_hosts(conn, steps["Prep"]["JobName"]), *hosts_store.list_hosts(conn, steps["Train"]["JobName"])]
            assert [r.status for r in rows] == ["Completed", "Completed"]
            assert all("[" in (r.node or "") for r in rows), [r.node for r in rows]  # the Ray node each step ran on
    finally:
        core.db.dispose()
