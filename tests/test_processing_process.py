"""Processing jobs as real supervised processes: the SDK snippet of issue 12 as written, the
container contract (inputs in, /opt/ml/config, outputs out), failure, stop, max runtime,
a dead supervisor, and training-job listings that never show a processing job."""
from __future__ import annotations

import json
import os
import signal
import textwrap
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio.shapes import to_json

# Knows only the /opt/ml paths of a processing container, as scripts written for SageMaker do.
PREPROCESS = textwrap.dedent(
    """
    import argparse, json, os
    import pandas as pd
    from sklearn.model_selection import train_test_split

    parser = argparse.ArgumentParser()
    parser.add_argument("--test-split", type=float)
    args = parser.parse_args()
    config = json.load(open("/opt/ml/config/processingjobconfig.json"))
    hosts = json.load(open("/opt/ml/config/resourceconfig.json"))["hosts"]
    frame = pd.read_csv("/opt/ml/processing/input/data.csv")
    train, test = train_test_split(frame, test_size=args.test_split, random_state=0)
    os.makedirs("/opt/ml/processing/train", exist_ok=True)
    train.to_csv("/opt/ml/processing/train/train.csv", index=False)
    test.to_csv("/opt/ml/processing/train/test.csv", index=False)
    with open("/opt/ml/processing/train/job.json", "w") as f:
        json.dump({"name": config["ProcessingJobName"], "hosts": hosts, "inputs": sorted(os.listdir("/opt/ml/processing/input"))}, f)
    print("rows", len(train), len(test), flush=True)
    """
)


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    proj = tmp_path / "proj"
    (proj / "data" / "raw").mkdir(parents=True)
    (proj / "data" / "raw" / "data.csv").write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    (proj / "preprocess.py").write_text(PREPROCESS)
    monkeypatch.chdir(proj)
    return proj


def _run_snippet() -> object:
    """Issue 12's snippet, as written (the role is whatever a SageMaker driver passes)."""
    import warnings

    from labstudio.processing import ProcessingInput, ProcessingOutput
    from labstudio.sklearn.processing import SKLearnProcessor

    role = "arn:aws:iam::111122223333:role/SageMakerRole"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = SKLearnProcessor(framework_version="1.2-1", role=role, instance_type="local", instance_count=1)
    assert len(caught) == 1 and "framework_version, role" in str(caught[0].message)  # one warning naming both
    p.run(code="preprocess.py", source_dir=None,
          inputs=[ProcessingInput(source="data/raw", destination="/opt/ml/processing/input")],
          outputs=[ProcessingOutput(output_name="train", source="/opt/ml/processing/train", destination="data/train")],
          arguments=["--test-split", "0.2"], wait=True, logs=True)
    return p


def test_sklearn_processor_snippet_runs_as_written(project: Path, core, capsys: pytest.CaptureFixture[str]) -> None:
    p = _run_snippet()
    job = p.latest_job  # type: ignore[attr-defined]
    assert p.jobs == [job]  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "rows 8 2" in out and f"Processing job {job.job_name}: Completed" in out
    # outputs copied out, after the script, to the folder named in the driver
    train = (project / "data" / "train" / "train.csv").read_text().splitlines()
    test = (project / "data" / "train" / "test.csv").read_text().splitlines()
    assert train[0] == test[0] == "x,y" and len(train) == 9 and len(test) == 3
    seen = json.loads((project / "data" / "train" / "job.json").read_text())
    # the config files were at /opt/ml/config, the inputs (and the code) under /opt/ml/processing/input
    assert seen == {"name": job.job_name, "hosts": ["algo-1"], "inputs": ["code", "data.csv"]}

    d = job.describe()
    assert d["ProcessingJobName"] == job.job_name and d["ProcessingJobStatus"] == "Completed"
    assert d["AppSpecification"]["ContainerEntrypoint"] == ["python3", "/opt/ml/processing/input/code/preprocess.py"]
    assert d["AppSpecification"]["ContainerArguments"] == ["--test-split", "0.2"]
    assert d["ProcessingInputs"] == [{
        "InputName": "input-1", "AppManaged": False,
        "S3Input": {"S3Uri": f"file://{project / 'data' / 'raw'}", "LocalPath": "/opt/ml/processing/input", "S3DataType": "S3Prefix",
                    "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"},
    }]
    assert d["ProcessingOutputConfig"]["Outputs"] == [{
        "OutputName": "train", "AppManaged": False,
        "S3Output": {"S3Uri": str(project / "data" / "train"), "LocalPath": "/opt/ml/processing/train", "S3UploadMode": "EndOfJob"},
    }]
    assert d["ProcessingResources"] == {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "local", "VolumeSizeInGB": 0}}
    assert d["StoppingCondition"] == {"MaxRuntimeInSeconds": None} and d["ExitCode"] == 0
    assert d["ProcessingStartTime"] and d["ProcessingEndTime"] and d["ExitMessage"] is None and d["FailureReason"] is None
    tree = Path(d["LogUri"]).parent / "opt" / "ml"
    config = json.loads((tree / "config" / "processingjobconfig.json").read_text())
    assert config["ProcessingInputs"] == d["ProcessingInputs"] and config["AppSpecification"] == d["AppSpecification"]

    # a processing job is not a training job: training listings and lookups never show it
    assert to_json(core.jobs.list())["TrainingJobSummaries"] == []
    with pytest.raises(Exception, match="does not exist"):
        core.jobs.describe(job.job_name)
    listed = to_json(core.processing.list())["ProcessingJobSummaries"]
    assert [s["ProcessingJobName"] for s in listed] == [job.job_name]


def test_failed_script_has_exit_message_and_failure_reason(project: Path, core) -> None:
    from labstudio.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
    from labstudio.sdk.exceptions import UnexpectedStatusException

    (project / "bad.py").write_text(
        "import os, sys\n"
        "os.makedirs('/opt/ml/processing/out', exist_ok=True)\n"
        "open('/opt/ml/processing/out/partial.csv', 'w').write('1')\n"
        "os.makedirs('/opt/ml/output', exist_ok=True)\n"
        "open('/opt/ml/output/message', 'w').write(\"column 'price' is missing\")\n"
        "sys.exit(3)\n"
    )
    (project / "boom.py").write_text("print('starting')\nraise ValueError('boom')\n")
    p = ScriptProcessor(command=["python3"], instance_type="local")
    outputs = [ProcessingOutput(source="/opt/ml/processing/out", destination="data/out")]
    with pytest.raises(UnexpectedStatusException, match="column 'price' is missing"):
        p.run(code="bad.py", inputs=[ProcessingInput(source="data/raw", destination="/opt/ml/processing/input")], outputs=outputs, logs=False)
    d = p.latest_job.describe()
    assert d["ProcessingJobStatus"] == "Failed" and d["ExitCode"] == 3
    assert d["ExitMessage"] == "column 'price' is missing"
    assert d["FailureReason"] == "AlgorithmError: column 'price' is missing (exit code 3)"
    assert not (project / "data" / "out").exists()  # a failed job's outputs are not copied out

    with pytest.raises(UnexpectedStatusException, match="ValueError: boom"):
        p.run(code="boom.py", logs=False)
    d = p.latest_job.describe()
    assert d["FailureReason"] == "AlgorithmError: ValueError: boom (exit code 1)"
    assert d["ExitMessage"].splitlines()[-1] == "ValueError: boom"  # no message file: the last error lines
    assert [s["ExitMessage"] is not None for s in to_json(core.processing.list())["ProcessingJobSummaries"]] == [True, True]


def test_input_that_cannot_be_copied_fails_the_job_with_a_client_error(project: Path, core) -> None:
    (project / "data" / "raw" / "gone.csv").symlink_to(project / "missing.csv")  # dangling: nothing to copy
    core.processing.submit({"code": "preprocess.py", "name": "copy-fails", "arguments": ["--test-split", "0.2"],
                            "inputs": [{"input_name": "raw", "source": "data/raw", "destination": "/opt/ml/processing/input"}]})
    d = to_json(core.processing.wait("copy-fails", timeout=60))
    assert d["ProcessingJobStatus"] == "Failed"
    assert d["FailureReason"].startswith("ClientError: could not copy input 'raw' from ") and "gone.csv" in d["FailureReason"]
    assert "could not copy input 'raw'" in to_json(core.processing.logs("copy-fails"))["text"]


SLEEPER = "import time\nprint('ready', flush=True)\nwhile True:\n    time.sleep(0.1)\n"


def test_stop_and_max_runtime(project: Path, core) -> None:
    (project / "sleep.py").write_text(SLEEPER)
    core.processing.submit({"code": "sleep.py", "name": "stop-me",
                            "outputs": [{"source": "/opt/ml/processing/out", "destination": "data/never"}]})
    wait_for(lambda: "ready" in to_json(core.processing.logs("stop-me"))["text"], message="the script to start")
    assert to_json(core.processing.stop("stop-me"))["ProcessingJobStatus"] in ("Stopping", "Stopped")
    d = to_json(core.processing.wait("stop-me", timeout=60))
    assert d["ProcessingJobStatus"] == "Stopped" and d["StatusMessage"] == "Processing job stopped by request"
    assert not (project / "data" / "never").exists()
    with pytest.raises(Exception, match="already Stopped"):
        core.processing.stop("stop-me")

    core.processing.submit({"code": "sleep.py", "name": "too-long", "max_runtime_seconds": 1})
    d = to_json(core.processing.wait("too-long", timeout=60))
    assert d["ProcessingJobStatus"] == "Stopped" and d["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert d["StoppingCondition"] == {"MaxRuntimeInSeconds": 1} and "MaxRuntimeInSeconds of 1 s" in d["StatusMessage"]


def test_dead_supervisor_is_reconciled_and_outputs_go_to_the_artifact_store(project: Path, core, labstudio_home: Path) -> None:
    (project / "sleep.py").write_text(SLEEPER)
    core.processing.submit({"code": "sleep.py", "name": "orphan"})
    wait_for(lambda: "ready" in to_json(core.processing.logs("orphan"))["text"], message="the script to start")
    pid = wait_for(lambda: core.processing.get("orphan").supervisor_pid, message="the supervisor's pid in the store")
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: core.reconcile() or core.processing.get("orphan").is_terminal, timeout=60, message="reconciliation")
    d = to_json(core.processing.describe("orphan"))
    assert d["ProcessingJobStatus"] == "Failed" and d["StatusMessage"] == "Processing job failed"
    assert "supervisor" in d["FailureReason"]

    # an output without a destination is kept in the artifact store, under the job's name
    (project / "write.py").write_text("import os\nopen('/opt/ml/processing/result/r.txt', 'w').write('42')\n")
    core.processing.submit({"code": "write.py", "name": "to-store", "outputs": [{"output_name": "result", "source": "/opt/ml/processing/result"}]})
    d = to_json(core.processing.wait("to-store", timeout=60))
    uri = d["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    assert d["ProcessingJobStatus"] == "Completed" and uri == str(labstudio_home / "artifacts" / "processing" / "to-store" / "output" / "result")
    assert (Path(uri) / "r.txt").read_text() == "42"


def test_without_namespaces_the_tree_is_in_labstudio_opt_ml(project: Path, core, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABSTUDIO_NO_NAMESPACES", "1")
    (project / "portable.py").write_text(
        "import os\nbase = os.environ['LABSTUDIO_OPT_ML']\n"
        "rows = open(os.path.join(base, 'processing/input/data.csv')).read().splitlines()\n"
        "open(os.path.join(base, 'processing/out/n.txt'), 'w').write(str(len(rows)))\n"
    )
    core.processing.submit({"code": "portable.py", "name": "no-ns",
                            "inputs": [{"source": "data/raw/data.csv", "destination": "/opt/ml/processing/input"}],
                            "outputs": [{"source": "/opt/ml/processing/out", "destination": "data/out"}]})
    assert to_json(core.processing.wait("no-ns", timeout=60))["ProcessingJobStatus"] == "Completed"
    assert (project / "data" / "out" / "n.txt").read_text() == "11"


def test_process_magic_takes_the_cli_options(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "labstudio")
    job = shell.run_line_magic(
        "process", "preprocess.py --input data/raw:/opt/ml/processing/input --output train=/opt/ml/processing/train:data/magic "
        "-a=--test-split -a 0.5 --name magic-proc",
    )
    assert job.job_name == "magic-proc" and job.describe()["ProcessingJobStatus"] == "Completed"
    assert "rows 5 5" in capsys.readouterr().out
    assert len((project / "data" / "magic" / "train.csv").read_text().splitlines()) == 6
    from labstudio.magics import PARSERS  # as on the command line, -a takes the next word even when it starts with '-'
    assert PARSERS["process"].parse("preprocess.py -a --test-split -a 0.5 --argument -v").argument == ["--test-split", "0.5", "-v"]
    with pytest.raises(UsageError, match=r"^%process: 'inputs\[0\].destination' must be an absolute folder under /opt/ml/processing/"):
        shell.run_line_magic("process", "preprocess.py --input data/raw:/data")


def test_a_processing_and_a_training_job_at_once_each_see_their_own_opt_ml(project: Path, core, tmp_path: Path) -> None:
    """Issue 12's "done when": both scripts know only /opt/ml paths and run at the same time."""
    meet = tmp_path / "meet"
    meet.mkdir()
    barrier = (
        "import os, sys, time\n"
        f"meet = {str(meet)!r}\n"
        "open(os.path.join(meet, sys.argv[-1]), 'w').close()\n"
        "deadline = time.time() + 60\n"
        "while len(os.listdir(meet)) < 2 and time.time() < deadline:\n"
        "    time.sleep(0.05)\n"
        "assert len(os.listdir(meet)) == 2, 'the other job never ran at the same time'\n"
    )
    (project / "proc.py").write_text(
        barrier + "assert sorted(os.listdir('/opt/ml')) == ['config', 'output', 'processing'], os.listdir('/opt/ml')\n"
        "rows = open('/opt/ml/processing/input/data.csv').read().splitlines()\n"
        "open('/opt/ml/processing/out/rows.txt', 'w').write(str(len(rows)))\n"
    )
    (project / "train_src").mkdir()
    (project / "train_src" / "train.py").write_text(
        barrier + "assert not os.path.exists('/opt/ml/processing'), os.listdir('/opt/ml')\n"
        "rows = open('/opt/ml/input/data/train/data.csv').read().splitlines()\n"
        "open('/opt/ml/model/rows.txt', 'w').write(str(len(rows)))\n"
    )
    core.processing.submit({"code": "proc.py", "name": "both-proc", "arguments": ["proc"],
                            "inputs": [{"source": "data/raw", "destination": "/opt/ml/processing/input"}],
                            "outputs": [{"source": "/opt/ml/processing/out", "destination": "data/both"}]})
    core.jobs.submit({"entry_point": "train.py", "source_dir": "train_src", "name": "both-train",
                      "channels": {"train": "data/raw"}, "hyperparameters": {"who": "train"}})
    proc, train = to_json(core.processing.wait("both-proc", timeout=90)), to_json(core.jobs.wait("both-train", timeout=90))
    assert proc["ProcessingJobStatus"] == "Completed", proc["FailureReason"]
    assert train["TrainingJobStatus"] == "Completed", train["FailureReason"]
    assert (project / "data" / "both" / "rows.txt").read_text() == "11"
    import tarfile

    with tarfile.open(train["ModelArtifacts"]["S3ModelArtifacts"]) as tar:
        assert tar.extractfile("rows.txt").read() == b"11"  # type: ignore[union-attr]


TOKENIZE = textwrap.dedent(
    """
    import os
    import lstinyreq  # installed from the requirements.txt given as a dependency
    from textutil import words  # a dependency folder, copied next to the script
    os.makedirs("/opt/ml/processing/out", exist_ok=True)
    here = sorted(os.listdir(os.path.dirname(os.path.abspath(__file__))))
    with open("/opt/ml/processing/out/words.txt", "w") as f:
        f.write(" ".join(words("a b c")) + "|" + lstinyreq.VALUE + "|" + ",".join(n for n in here if n != "__pycache__"))
    """
)


def test_framework_processor_copies_dependencies_and_installs_their_requirements(project: Path, core, tmp_path: Path) -> None:
    from labstudio.processing import FrameworkProcessor, ProcessingOutput
    from labstudio.sdk.exceptions import UnexpectedStatusException
    from labstudio.sklearn.estimator import SKLearn
    from test_jobs_requirements import build_wheel

    build_wheel(tmp_path / "wheels")
    (project / "tokenize_words.py").write_text(TOKENIZE)
    (project / "deps").mkdir()
    (project / "deps" / "requirements.txt").write_text(f"--no-index\n--find-links {tmp_path / 'wheels'}\nlstinyreq==0.1\n")
    (project / "textutil").mkdir()
    (project / "textutil" / "__init__.py").write_text("def words(text):\n    return text.split()[::-1]\n")
    with pytest.warns(Warning, match="framework_version"):
        p = FrameworkProcessor(estimator_cls=SKLearn, framework_version="1.2-1", instance_type="local", instance_count=1)
    p.run(code="tokenize_words.py", dependencies=["deps/requirements.txt", "textutil"],
          outputs=[ProcessingOutput(source="/opt/ml/processing/out", destination="data/out")], logs=False)
    d = p.latest_job.describe()
    assert d["ProcessingJobStatus"] == "Completed", d.get("FailureReason")
    assert (project / "data" / "out" / "words.txt").read_text() == "c b a|tiny 0.1|requirements.txt,textutil,tokenize_words.py"
    log = Path(d["LogUri"]).read_text()
    assert "installing requirements.txt" in log and "Successfully installed lstinyreq-0.1" in log
    assert d["AppSpecification"]["ContainerEntrypoint"] == ["python3", "/opt/ml/processing/input/code/tokenize_words.py"]

    # a source_dir's requirements.txt that pip cannot install fails the job with pip's error, named as a processing job
    (project / "src").mkdir()
    (project / "src" / "run.py").write_text("print('never runs')\n")
    (project / "src" / "requirements.txt").write_text("--no-index\nlstinyreq-missing==9.9\n")
    with pytest.raises(UnexpectedStatusException, match="InstallRequirementsError"):
        p.run(code="run.py", source_dir="src", logs=False)
    d = p.latest_job.describe()
    assert d["ProcessingJobStatus"] == "Failed" and d["StatusMessage"] == "Processing job failed"
    assert "lstinyreq-missing" in d["FailureReason"] and "never runs" not in Path(d["LogUri"]).read_text()

    with pytest.raises(ValueError, match="dependency 'nowhere'"):
        p.run(code="tokenize_words.py", dependencies=["nowhere"], logs=False)
