"""Data, outputs and models on an S3-compatible server (moto, a real subprocess on 127.0.0.1).

Jobs run as real supervised processes; they reach the server through the standard AWS
variables `s3_env` sets, exactly as they would reach MinIO or AWS.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from httpjson import error as _error
from labstudio.shapes import to_json
from serving_helpers import post

TRAIN = """\
import os, pathlib
data = pathlib.Path(os.environ["SM_CHANNEL_TRAIN"])
rows = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
print("files", rows, flush=True)
total = sum(int(x) for p in data.rglob("*.csv") for x in p.read_text().split())
print("total", total, flush=True)
pathlib.Path(os.environ["SM_MODEL_DIR"], "model.txt").write_text(str(total))
pathlib.Path(os.environ["SM_OUTPUT_DATA_DIR"], "report.txt").write_text("ok")
"""


def _members(archive: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {m.name: (tar.extractfile(m) or io.BytesIO()).read() for m in tar.getmembers() if m.isfile()}


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "src" / "train.py").write_text(TRAIN)
    return proj


def test_cli_training_with_an_s3_channel_and_output_path(project: Path, s3_env, core) -> None:
    s3_env.put("data/train/a.csv", "1 2\n")
    s3_env.put("data/train/sub/b.csv", "3\n")
    s3_env.put("data/other.csv", "100\n")  # next to the prefix, not in it
    run = cli_runner(project)
    out = run("train", "train.py", "--source-dir", "src", "-c", f"train={s3_env.url('data/train/')}",
              "--output-path", s3_env.url("models"), "--name", "s3-train", "--wait")
    assert "files ['a.csv', 'sub/b.csv']" in out.stdout and "total 6" in out.stdout
    log = to_json(core.jobs.logs("s3-train", 0))["text"]
    assert f"labstudio: downloading {s3_env.url('data/train/')} (2 files, 6 B) ... 100%" in log
    described = to_json(core.jobs.describe("s3-train"))
    model = described["ModelArtifacts"]["S3ModelArtifacts"]
    assert model == s3_env.url("models/s3-train/output/model.tar.gz")
    assert described["OutputDataConfig"]["S3OutputPath"] == s3_env.url("models")
    assert described["InputDataConfig"][0]["DataSource"]["FileDataSource"]["FileUri"] == s3_env.url("data/train/")
    assert s3_env.keys("models/") == ["models/s3-train/output/model.tar.gz", "models/s3-train/output/output.tar.gz"]
    assert _members(s3_env.get("models/s3-train/output/model.tar.gz")) == {"model.txt": b"6"}
    assert _members(s3_env.get("models/s3-train/output/output.tar.gz")) == {"report.txt": b"ok"}
    from labstudio.sdk.job import TrainingJob

    # the SDK's handle with the same output_path finds the archive where the job put it (no copy onto itself)
    assert TrainingJob("s3-train", output_path=s3_env.url("models")).model_data == model
    assert _members(s3_env.get("models/s3-train/output/model.tar.gz")) == {"model.txt": b"6"}


def test_a_channel_gone_by_the_time_the_job_starts_fails_it_with_the_reason(project: Path, s3_env, monkeypatch) -> None:
    """Checked at submit, deleted while the job waited for a slot: the job fails naming the
    channel, and the script never runs."""
    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "1")
    from labstudio.core import Core

    core = Core.from_env()
    (project / "src" / "hold.py").write_text("import time\nprint('holding', flush=True)\ntime.sleep(60)\n")
    core.jobs.submit({"name": "holder", "entry_point": "hold.py", "source_dir": str(project / "src")})
    s3_env.put("soon-gone/a.csv", "1\n")
    core.jobs.submit({"name": "waiter", "entry_point": "train.py", "source_dir": str(project / "src"),
                      "channels": {"train": s3_env.url("soon-gone/")}})
    s3_env.client().delete_object(Bucket=s3_env.bucket, Key="soon-gone/a.csv")
    core.jobs.stop("holder")
    d = to_json(core.jobs.wait("waiter", timeout=90))
    assert d["TrainingJobStatus"] == "Failed"
    assert d["FailureReason"].startswith(f"ClientError: could not download channel 'train' from {s3_env.url('soon-gone/')}: ")
    assert "does not exist" in d["FailureReason"]
    log = to_json(core.jobs.logs("waiter", 0))["text"]
    assert "labstudio: could not download channel 'train'" in log and "files [" not in log


PROCESS = """\
import os, pathlib
src = pathlib.Path("/opt/ml/processing/input")
out = pathlib.Path("/opt/ml/processing/out")
out.mkdir(parents=True, exist_ok=True)
for f in sorted(src.rglob("*.txt")):
    (out / f.name).write_text(f.read_text().upper())
(out / "nested").mkdir(exist_ok=True)
(out / "nested" / "count.txt").write_text(str(len(list(src.rglob("*.txt")))))
"""


def test_processing_copies_s3_inputs_in_and_outputs_out(project: Path, s3_env, core) -> None:
    (project / "process.py").write_text(PROCESS)
    s3_env.put("raw/a.txt", "alpha")
    s3_env.put("raw/b.txt", "beta")
    core.processing.submit({
        "code": "process.py", "name": "s3-proc",
        "inputs": [{"input_name": "raw", "source": s3_env.url("raw/"), "destination": "/opt/ml/processing/input"}],
        "outputs": [{"output_name": "out", "source": "/opt/ml/processing/out", "destination": s3_env.url("processed")}],
    }, base_dir=project)
    d = to_json(core.processing.wait("s3-proc", timeout=90))
    assert d["ProcessingJobStatus"] == "Completed", d.get("FailureReason")
    assert s3_env.keys("processed/") == ["processed/a.txt", "processed/b.txt", "processed/nested/count.txt"]
    assert s3_env.get("processed/a.txt") == b"ALPHA" and s3_env.get("processed/nested/count.txt") == b"2"
    assert d["ProcessingInputs"][0]["S3Input"]["S3Uri"] == s3_env.url("raw/")
    assert d["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == s3_env.url("processed")
    log = to_json(core.processing.logs("s3-proc"))["text"]
    assert f"labstudio: downloading {s3_env.url('raw/')} (2 files, 9 B) ... 100%" in log
    assert f"labstudio: uploading to {s3_env.url('processed')} (3 files, 10 B) ... 100%" in log


IRIS = """\
import os
import joblib
import numpy as np

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "tree.joblib"))

def input_fn(body, content_type):
    return np.loadtxt(body.splitlines() if isinstance(body, str) else body.decode().splitlines(), delimiter=",", ndmin=2)

def predict_fn(data, model):
    return model.predict(data)

def output_fn(prediction, accept):
    return "\\n".join(str(int(p)) for p in prediction), "text/csv"

if __name__ == "__main__":
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier
    from labstudio import load_run
    X, y = load_iris(return_X_y=True)
    joblib.dump(DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y), os.path.join(os.environ["SM_MODEL_DIR"], "tree.joblib"))
    with open("notes.txt", "w") as f:
        f.write("trained")
    with load_run() as run:
        run.log_file("notes.txt")
    print("trained", flush=True)
"""
ROWS = "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"


def test_artifact_store_on_s3_from_training_to_endpoints_and_transforms(tmp_path: Path, s3_env, core, endpoints, monkeypatch) -> None:
    """LABSTUDIO_ARTIFACT_URI=s3://...: archives, log and run artifacts land in the bucket; the
    job deploys from there; an s3:// model_data deploys and transforms s3:// data to s3://."""
    store = s3_env.url("store")
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", store)
    from labstudio.core import Core

    core = Core.from_env()
    src = tmp_path / "iris"
    src.mkdir()
    (src / "train.py").write_text(IRIS)
    core.jobs.submit({"name": "iris-s3", "entry_point": "train.py", "source_dir": str(src), "experiment_name": "s3-exp"})
    d = to_json(core.jobs.wait("iris-s3", timeout=120))
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    model = f"{store}/jobs/iris-s3/output/model.tar.gz"
    assert d["ModelArtifacts"]["S3ModelArtifacts"] == model
    keys = s3_env.keys("store/")
    assert {"store/jobs/iris-s3/output/model.tar.gz", "store/jobs/iris-s3/output/output.tar.gz", "store/jobs/iris-s3/output.log"} <= set(keys)
    assert b"trained" in s3_env.get("store/jobs/iris-s3/output.log")
    assert any(k.startswith("store/runs/") and k.endswith("notes.txt") for k in keys), keys
    assert "tree.joblib" in _members(s3_env.get("store/jobs/iris-s3/output/model.tar.gz"))

    from_job = core.endpoints.deploy("iris-s3", name="iris-from-job", wait=True, timeout=120)
    assert from_job["EndpointStatus"] == "InService", from_job
    status, _, body = post(from_job["EndpointUrl"], ROWS, "text/csv")
    assert status == 200 and body.decode().split() == ["0", "2"]

    from_url = core.endpoints.deploy(model, name="iris-from-url", entry_point="train.py", source_dir=str(src), wait=True, timeout=120)
    assert from_url["EndpointStatus"] == "InService" and from_url["ProductionVariants"][0]["ModelData"] == model
    status, _, body = post(from_url["EndpointUrl"], ROWS, "text/csv")
    assert status == 200 and body.decode().split() == ["0", "2"]

    s3_env.put("batch/in/rows.csv", ROWS)
    core.transforms.submit({"name": "iris-batch", "model": model, "entry_point": "train.py", "source_dir": str(src),
                            "input": s3_env.url("batch/in/"), "output_path": s3_env.url("batch/out"),
                            "content_type": "text/csv", "split_type": "Line"})
    t = to_json(core.transforms.wait("iris-batch", timeout=120))
    assert t["TransformJobStatus"] == "Completed", t.get("FailureReason")
    assert s3_env.keys("batch/out/") == ["batch/out/rows.csv.out"]
    assert s3_env.get("batch/out/rows.csv.out").decode().split() == ["0", "2"]
    log = to_json(core.transforms.logs("iris-batch"))["text"]
    assert f"labstudio: downloading {s3_env.url('batch/in')} (1 file, 32 B) ... 100%" in log
    assert f"labstudio: uploading to {s3_env.url('batch/out')} (1 file, 3 B) ... 100%" in log


# -- checked at submit -------------------------------------------------------------------


async def test_rest_refuses_a_missing_bucket_and_missing_credentials(jp_fetch, jp_root_dir: Path, s3_env, monkeypatch) -> None:
    (jp_root_dir / "project").mkdir()
    (jp_root_dir / "project" / "train.py").write_text("print('never runs')\n")
    request = {"entry_point": "train.py", "source_dir": "project", "channels": {"train": "s3://no-such-bucket-here/train/"}}
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps(request))
    assert code == 400 and err["field"] == "channels"
    assert err["message"] == ("channel 'train' s3://no-such-bucket-here/train/: the bucket 'no-such-bucket-here' does not exist; "
                              "create it or correct the name.")
    missing = {"entry_point": "train.py", "source_dir": "project", "channels": {"train": s3_env.url("nothing/here")}}
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps(missing))
    assert code == 400 and err["field"] == "channels" and "does not exist: no object or prefix of that name" in err["message"]
    out = {"entry_point": "train.py", "source_dir": "project", "output_path": "s3://no-such-bucket-here/models"}
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps(out))
    assert code == 400 and err["field"] == "output_path" and "'no-such-bucket-here' does not exist" in err["message"]

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    s3_env.put("data/x.csv", "1")
    request["channels"] = {"train": s3_env.url("data/")}
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps(request))
    assert code == 400 and err["field"] == "channels"
    assert "no usable AWS credentials" in err["message"] and "AWS_ACCESS_KEY_ID" in err["message"] and "AWS_PROFILE" in err["message"]
    jobs = json.loads((await jp_fetch("labstudio", "api", "jobs")).body)
    assert jobs["TrainingJobSummaries"] == []  # nothing was created


def test_cli_and_sdk_refuse_a_missing_bucket(project: Path, s3_env, core) -> None:
    run = cli_runner(project)
    out = run("train", "train.py", "--source-dir", "src", "-c", "train=s3://no-such-bucket-here/x/", check=False)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "labstudio: error: channel 'train' s3://no-such-bucket-here/x/: the bucket 'no-such-bucket-here' does not exist; create it or correct the name."
    ]
    import labstudio

    estimator = labstudio.estimator.Estimator(entry_point="train.py", source_dir=str(project / "src"), instance_type="local",
                                              output_path="s3://no-such-bucket-here/models")
    with pytest.raises(ValueError, match="'output_path' s3://no-such-bucket-here/models: the bucket 'no-such-bucket-here' does not exist"):
        estimator.fit(s3_env.url(""), wait=False)
    model = labstudio.Model(model_data=s3_env.url("missing/model.tar.gz"), entry_point="train.py", source_dir=str(project / "src"))
    with pytest.raises(ValueError, match="model s3://.*/missing/model.tar.gz does not exist"):
        model.deploy(initial_instance_count=1, instance_type="local")
    assert to_json(core.jobs.list())["TrainingJobSummaries"] == [] and core.endpoints.list()["Endpoints"] == []


def test_without_s3fs_the_error_names_the_extra(project: Path, s3_env, tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "s3fs.py").write_text("raise ImportError('No module named s3fs (hidden by the test)')\n")
    import labstudio

    package_root = str(Path(labstudio.__file__).resolve().parents[1])
    env = {**__import__("os").environ, "PYTHONPATH": f"{shim}:{package_root}"}
    out = subprocess.run([sys.executable, "-m", "labstudio.cli", "train", "train.py", "--source-dir", "src",
                          "-c", f"train={s3_env.url('data/')}"], capture_output=True, text=True, cwd=project, env=env, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'labstudio[s3]'" in lines[0] and "channel 'train'" in lines[0], out.stderr
