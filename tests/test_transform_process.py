"""Batch transform jobs as real supervised processes: the issue's SDK snippet on a trained
scikit-learn model, SingleRecord over JSON Lines, two concurrent transforms, a failing record
and stop."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.linear_model import Ridge

import labstudio
from conftest import wait_for
from labstudio import procs
from labstudio.sdk.exceptions import UnexpectedStatusException
from labstudio.shapes import to_json
from labstudio.transformer import Transformer

# SageMaker's convention: the training script is also the serving script, so training runs
# under __main__ only (the default model_fn loads model.joblib).
TRAIN = """
import os, joblib, numpy as np
from sklearn.linear_model import Ridge

if __name__ == "__main__":
    data = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"), delimiter=",")
    model = Ridge(alpha=0.5).fit(data[:, 1:], data[:, 0])
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
    print("trained", flush=True)
"""


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _features(rows: int, seed: int = 0) -> np.ndarray:
    return np.round(np.random.default_rng(seed).normal(size=(rows, 3)), 4)


def _model_folder(folder: Path) -> Ridge:
    x = _features(40, seed=1)
    model = Ridge().fit(x, x @ np.array([1.0, -2.0, 0.5]))
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "model.joblib")
    return model


def test_the_issue_snippet_scores_a_csv_with_a_trained_job(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from labstudio.sklearn import SKLearn

    (project / "train.py").write_text(TRAIN)
    train = _features(60)
    target = train @ np.array([3.0, 1.0, -1.0])
    (project / "data" / "train").mkdir(parents=True)
    np.savetxt(project / "data" / "train" / "train.csv", np.column_stack([target, train]), delimiter=",")
    estimator = SKLearn(entry_point="train.py", framework_version="1.2-1", instance_type="local", role="r")
    estimator.fit({"train": "data/train"}, logs=False)

    test = _features(25, seed=7)
    (project / "data" / "test").mkdir()
    (project / "data" / "test" / "test.csv").write_text("".join(f"{i}," + ",".join(map(str, row)) + "\n" for i, row in enumerate(test, 100)))

    # The issue's snippet, as written.
    transformer = estimator.transformer(instance_count=1, instance_type="local", strategy="MultiRecord",
                                        assemble_with="Line", output_path="out/", accept="text/csv")
    transformer.transform("data/test", content_type="text/csv", split_type="Line",
                          input_filter="$[1:]", join_source="Input", output_filter="$[0,-1]")
    transformer.wait()     # out/test.csv.out, one line per input record, in order
    # transform() waited and printed the log; wait() after it does not print it all again (nor does SageMaker's local mode)
    printed = capsys.readouterr().out
    assert printed.count("concurrent transform(s), MultiRecord") == 1 and printed.count("Transform job ") == 1, printed

    lines = (project / "out" / "test.csv.out").read_text().splitlines()
    assert len(lines) == 25
    expected = Ridge(alpha=0.5).fit(train, target).predict(test)
    assert [line.split(",")[0] for line in lines] == [str(i) for i in range(100, 125)]
    assert np.allclose([float(line.split(",")[1]) for line in lines], expected)
    assert all(len(line.split(",")) == 2 for line in lines)
    described = transformer.describe()
    assert described["TransformJobStatus"] == "Completed"
    assert described["RecordsProcessed"] == described["RecordsTotal"] == 25
    assert described["ModelName"] == estimator.latest_training_job.name
    assert described["DataProcessing"] == {"InputFilter": "$[1:]", "OutputFilter": "$[0,-1]", "JoinSource": "Input"}
    assert described["TransformInput"]["SplitType"] == "Line" and described["BatchStrategy"] == "MultiRecord"
    assert described["TransformOutput"] == {"S3OutputPath": str(project / "out"), "Accept": "text/csv", "AssembleWith": "Line"}
    # Listed as a transform job, never as a training job.
    core = labstudio.sdk.session.core_of(None)
    assert [j["TransformJobName"] for j in to_json(core.transforms.list())["TransformJobSummaries"]] == [described["TransformJobName"]]
    assert described["TransformJobName"] not in [j["TrainingJobName"] for j in to_json(core.jobs.list())["TrainingJobSummaries"]]


INSPECTING = """
import json, os, joblib, numpy as np

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))

def input_fn(body, content_type):
    assert content_type == "application/jsonlines", content_type
    return np.array([json.loads(line) for line in body.decode().splitlines()])

def predict_fn(data, model):
    return model.predict(data), len(data)

def output_fn(prediction, accept):
    values, rows = prediction
    return "".join(json.dumps({"y": float(v), "rows": rows, "pid": os.getpid()}) + "\\n" for v in values), accept
"""


def test_single_record_json_lines_with_a_model_script(project: Path) -> None:
    model = _model_folder(project / "model")
    (project / "code").mkdir()
    (project / "code" / "inference.py").write_text(INSPECTING)
    x = _features(12, seed=3)
    with open(project / "records.jsonl", "w") as handle:
        for i, row in enumerate(x):
            handle.write(json.dumps({"id": f"r{i}", "features": row.tolist()}) + "\n")
            if i == 4:
                handle.write("\n")  # an empty line is no record

    transformer = labstudio.Model(model_data="model", entry_point="inference.py", source_dir="code").transformer(
        instance_count=1, instance_type="local", strategy="SingleRecord", assemble_with="Line",
        output_path="scored", accept="application/jsonlines",
    )
    transformer.transform("records.jsonl", content_type="application/jsonlines", split_type="Line",
                          input_filter="$.features", join_source="Input", wait=False)
    transformer.wait(logs=False)

    rows = [json.loads(line) for line in (project / "scored" / "records.jsonl.out").read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(12)]
    assert all(r["SageMakerOutput"]["rows"] == 1 for r in rows)  # one record per request
    assert np.allclose([r["SageMakerOutput"]["y"] for r in rows], model.predict(x))
    assert transformer.describe()["BatchStrategy"] == "SingleRecord"


PID_SCRIPT = """
import os, joblib, numpy as np
from labstudio.serving.codecs import decode

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))

def input_fn(body, content_type):
    return decode(body, content_type)

def predict_fn(data, model):
    return model.predict(np.atleast_2d(data))

def output_fn(prediction, accept):
    return "".join(f"{v},{os.getpid()}\\n" for v in prediction), accept
"""


def test_two_concurrent_transforms_run_two_workers_and_keep_order(project: Path) -> None:
    model = _model_folder(project / "model")
    (project / "code").mkdir()
    (project / "code" / "inference.py").write_text(PID_SCRIPT)
    inputs = project / "inputs"
    (inputs / "b").mkdir(parents=True)
    parts = {"a.csv": _features(30000, seed=5), "b/c.csv": _features(100, seed=6)}
    for name, x in parts.items():
        np.savetxt(inputs / name, x, delimiter=",", fmt="%.4f")

    transformer = Transformer(model_name="model", model_data="model", entry_point="inference.py", source_dir="code",
                              output_path="out", strategy="MultiRecord", max_payload=1, max_concurrent_transforms=2,
                              assemble_with="Line", accept="text/csv")
    transformer.transform("inputs", content_type="text/csv", split_type="Line", logs=False)

    pids: set[str] = set()
    for name, x in parts.items():
        lines = (project / "out" / f"{name}.out").read_text().splitlines()
        assert len(lines) == len(x)
        values = np.array([float(line.split(",")[0]) for line in lines])
        assert np.allclose(values, model.predict(np.round(x, 4)))
        pids.update(line.split(",")[1] for line in lines)
    assert len(pids) == 2  # 30000 rows are several 1 MB payloads, shared by two worker processes
    described = transformer.describe()
    assert described["MaxConcurrentTransforms"] == 2 and described["RecordsProcessed"] == 30100
    assert described["OutputFiles"] == [str(project / "out" / "a.csv.out"), str(project / "out" / "b" / "c.csv.out")]


def test_a_failing_record_fails_the_job_naming_its_file_and_line(project: Path) -> None:
    _model_folder(project / "model")
    (project / "inputs").mkdir()
    (project / "inputs" / "1-good.csv").write_text("1,2,3\n4,5,6\n")
    (project / "inputs" / "2-bad.csv").write_text("1,2,3\n4,5,6\n\n7,8,oops\n1,1,1\n")
    transformer = Transformer(model_name="model", output_path="out", strategy="MultiRecord", assemble_with="Line")
    with pytest.raises(UnexpectedStatusException) as info:
        transformer.transform("inputs", content_type="text/csv", split_type="Line", logs=False)
    described = transformer.describe()
    assert described["TransformJobStatus"] == "Failed"
    reason = described["FailureReason"]
    assert "2-bad.csv, line 4" in reason and "oops" in reason, reason
    assert "2-bad.csv, line 4" in str(info.value)
    assert (project / "out" / "1-good.csv.out").read_text().count("\n") == 2


SLOW = """
import os, time, joblib

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))

def predict_fn(data, model):
    time.sleep(0.3)
    return model.predict(data.reshape(1, -1) if data.ndim == 1 else data)
"""


def _submit_slow(project: Path, **extra: object) -> tuple[Any, dict[str, Any]]:
    """A model whose predict_fn sleeps, 400 CSV rows one record at a time: a job that runs long
    enough to stop or orphan. Returns the core and the submit's describe."""
    _model_folder(project / "model")
    (project / "code").mkdir()
    (project / "code" / "inference.py").write_text(SLOW)
    np.savetxt(project / "many.csv", _features(400, seed=9), delimiter=",", fmt="%.3f")
    core = labstudio.sdk.session.core_of(None)
    described = to_json(core.transforms.submit(
        {"model": "model", "entry_point": "inference.py", "source_dir": "code", "input": "many.csv", "output_path": "out",
         "content_type": "text/csv", "split_type": "Line", "strategy": "SingleRecord", **extra},
        base_dir=project,
    ))
    return core, described


def test_stop_ends_the_job_and_its_processes(project: Path) -> None:
    core, described = _submit_slow(project, max_concurrent_transforms=2, name="slow-transform")
    assert described["TransformJobStatus"] == "InProgress"
    progressing = wait_for(lambda: (d := to_json(core.transforms.describe("slow-transform")))["RecordsProcessed"] >= 2 and d, timeout=90,
                           message="records reported while the job runs")
    assert progressing["RecordsTotal"] == 400 and progressing["TransformJobStatus"] == "InProgress"
    job = core.transforms.get("slow-transform")
    pgid = job.process_pgid
    assert pgid
    core.transforms.stop("slow-transform")
    final = to_json(core.transforms.wait("slow-transform", timeout=60))
    assert final["TransformJobStatus"] == "Stopped"
    assert final["RecordsProcessed"] < 400
    wait_for(lambda: not procs.processes_with_env("LABSTUDIO_JOB_NAME=slow-transform"), timeout=30, message="no process of the job left")
    assert not os.path.exists(f"/proc/{pgid}") or procs.group_members(pgid) == []


def test_bad_arguments_are_refused_before_anything_starts(project: Path) -> None:
    _model_folder(project / "model")
    (project / "in.csv").write_text("1,2,3\n")
    core = labstudio.sdk.session.core_of(None)
    cases = [
        ({"input_filter": "features"}, "input_filter"),
        ({"max_payload": 0}, "max_payload"),
        ({"input": "missing.csv"}, "input"),
        ({"model": "no-such-job"}, "model"),
        ({"content_type": "application/x-npy", "join_source": "Input"}, "content_type"),
        ({"output_path": "in.csv"}, "output_path"),
    ]
    for change, field in cases:
        request = {"model": "model", "input": "in.csv", "output_path": "out", "content_type": "text/csv", "split_type": "Line", **change}
        with pytest.raises(labstudio.errors.Invalid) as info:
            core.transforms.submit(request, base_dir=project)
        assert info.value.field == field, (change, info.value.message)
    assert to_json(core.transforms.list())["TransformJobSummaries"] == []
    with pytest.raises(ValueError, match="output_path"):
        Transformer(model_name="model")


def test_transform_magic_with_the_default_json_lines_handlers(project: Path) -> None:
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    model = _model_folder(project / "model")
    x = _features(6, seed=4)
    (project / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in x.tolist()))
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "labstudio")
    job = shell.run_line_magic(
        "transform", "model --input rows.jsonl --output scored --content-type application/jsonlines --split-type Line "
        "--accept application/jsonlines --assemble-with Line --name magic-tx",
    )
    assert job.name == "magic-tx" and job.describe()["TransformJobStatus"] == "Completed"
    values = [json.loads(line) for line in (project / "scored" / "rows.jsonl.out").read_text().splitlines()]
    assert np.allclose(values, model.predict(x))  # the default handlers read and write JSON Lines
    with pytest.raises(UsageError, match="--output"):
        shell.run_line_magic("transform", "model --input rows.jsonl")


def test_a_dead_supervisor_fails_the_job_and_leaves_no_process(project: Path) -> None:
    import signal

    core, _ = _submit_slow(project, name="orphaned-transform")
    wait_for(lambda: to_json(core.transforms.describe("orphaned-transform"))["RecordsProcessed"] >= 1, timeout=90, message="a record done")
    supervisor = core.transforms.get("orphaned-transform").supervisor_pid
    assert supervisor
    os.kill(supervisor, signal.SIGKILL)
    wait_for(lambda: core.transforms.check("orphaned-transform") or core.transforms.get("orphaned-transform").is_terminal,
             timeout=60, message="the dead supervisor noticed")
    final = to_json(core.transforms.describe("orphaned-transform"))
    assert final["TransformJobStatus"] == "Failed" and "supervisor" in final["FailureReason"]
    wait_for(lambda: not procs.processes_with_env("LABSTUDIO_JOB_NAME=orphaned-transform"), timeout=30, message="no process of the job left")
