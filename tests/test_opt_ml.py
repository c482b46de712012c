"""Each job sees its own tree at the real /opt/ml, with real supervisors and scripts.

* A script that only knows /opt/ml/... paths (no SM_* variable) runs unchanged, and what it
  saved under /opt/ml/model is in the job's model archive.
* Two jobs running at once each see their own /opt/ml.
* What /opt held on the host is still there inside the job.
* With LABSTUDIO_NO_NAMESPACES=1 the log says once that /opt/ml is not the job's, and the
  SM_* variables work as before; on a host that refuses namespaces the log says so too.
* Stop and the leftovers search still reach every process of a job that uses /opt/ml.
* An endpoint worker loads its model from /opt/ml/model.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import procs as procutil
from labstudio.jobs import launch
from labstudio.shapes import to_json

sys.path.insert(0, str(Path(__file__).parent))
from test_jobs_containment import NAMESPACES, _can_refuse_namespaces, _labstudio_lines, _refusing_namespaces

needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="this system refuses PID namespaces (see docs/process-containment.md)")


@pytest.fixture
def namespaces(monkeypatch) -> None:
    monkeypatch.delenv(launch.NO_NAMESPACES_VAR, raising=False)


OPT_ML_ONLY = """
import json, os, sys
for key in list(os.environ):  # prove the script needs none of them
    if key.startswith("SM_") or key in ("SAGEMAKER_BASE_DIR", "TRAINING_JOB_NAME"):
        del os.environ[key]
hps = json.load(open("/opt/ml/input/config/hyperparameters.json"))
rows = open("/opt/ml/input/data/train/data.csv").read().split()
total = sum(int(r) for r in rows) * json.loads(hps["scale"])
with open("/opt/ml/model/model.txt", "w") as f:
    f.write(f"total={total}")
os.makedirs("/opt/ml/output/data", exist_ok=True)
open("/opt/ml/output/data/rows.txt", "w").write(str(len(rows)))
print("trained", total, flush=True)
"""


@needs_namespaces
def test_a_script_that_only_knows_opt_ml_runs_unchanged(core, write_script, tmp_path, namespaces) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text("1\n2\n3\n")
    script = write_script(OPT_ML_ONLY)
    name = to_json(core.jobs.submit({"entry_point": str(script), "hyperparameters": {"scale": 10}, "channels": {"train": str(data)}}))["TrainingJobName"]
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Completed", to_json(core.jobs.logs(name))["text"]
    assert to_json(core.jobs.logs(name))["text"] == "trained 60\n"  # no labstudio: line, nothing else
    with tarfile.open(final["ModelArtifacts"]["S3ModelArtifacts"]) as tar:
        member = tar.extractfile("model.txt")
        assert member is not None and member.read() == b"total=60"
    with tarfile.open(final["OutputArtifacts"]["S3OutputArtifacts"]) as tar:
        member = tar.extractfile("rows.txt")
        assert member is not None and member.read() == b"3"


TWO_AT_ONCE = """
import json, os, sys, time
meeting = sys.argv[sys.argv.index("--meeting") + 1]
me = json.loads(json.load(open("/opt/ml/input/config/hyperparameters.json"))["sagemaker_job_name"])

def gather(tag):
    open(os.path.join(meeting, f"{me}.{tag}"), "w").close()
    while len([n for n in os.listdir(meeting) if n.endswith("." + tag)]) < 2:
        time.sleep(0.05)

gather("running")      # both scripts run now
open("/opt/ml/model/owner.txt", "w").write(me)
gather("written")      # both wrote their name to /opt/ml/model/owner.txt
print("owner", open("/opt/ml/model/owner.txt").read(), "of", sorted(os.listdir("/opt/ml/model")), flush=True)
"""


@needs_namespaces
def test_two_jobs_at_once_each_see_their_own_opt_ml(core, write_script, tmp_path, namespaces) -> None:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    script = write_script(TWO_AT_ONCE)
    names = [to_json(core.jobs.submit({"entry_point": str(script), "hyperparameters": {"meeting": str(meeting)}}))["TrainingJobName"] for _ in range(2)]
    for name in names:
        final = to_json(core.jobs.wait(name, timeout=90))
        assert final["TrainingJobStatus"] == "Completed", to_json(core.jobs.logs(name))["text"]
        assert to_json(core.jobs.logs(name))["text"] == f"owner {name} of ['owner.txt']\n"
        assert (core.jobs.layout(name).model / "owner.txt").read_text() == name
    assert sorted(os.listdir(meeting)) == sorted(f"{n}.{tag}" for n in names for tag in ("running", "written"))


LIST_OPT = """
import json, os
print(json.dumps(sorted(os.listdir("/opt"))), flush=True)
for name in os.listdir("/opt"):
    marker = os.path.join("/opt", name, "marker.txt")
    if name.startswith("labstudio-test-") and os.path.exists(marker):
        print("marker", open(marker).read(), flush=True)
"""


@needs_namespaces
def test_what_opt_held_stays_visible(core, write_script, namespaces) -> None:
    marker_dir = Path("/opt") / f"labstudio-test-{uuid.uuid4().hex[:8]}"
    try:
        marker_dir.mkdir()
        (marker_dir / "marker.txt").write_text("from the host")
    except OSError:  # /opt is not ours to write: compare with what is there
        marker_dir = None
    try:
        host = sorted(set(os.listdir("/opt")) | {"ml"})
        name = to_json(core.jobs.submit({"entry_point": str(write_script(LIST_OPT))}))["TrainingJobName"]
        final = to_json(core.jobs.wait(name, timeout=60))
        assert final["TrainingJobStatus"] == "Completed"
        lines = to_json(core.jobs.logs(name))["text"].splitlines()
        assert json.loads(lines[0]) == host
        if marker_dir is not None:
            assert lines[1:] == ["marker from the host"]
    finally:
        if marker_dir is not None:
            shutil.rmtree(marker_dir, ignore_errors=True)


FALLBACK_SCRIPT = """
import os
marker = "written-" + os.environ["TRAINING_JOB_NAME"]
open(os.path.join(os.environ["SM_MODEL_DIR"], marker), "w").write("via SM_MODEL_DIR")
print("at /opt/ml/model:", os.path.exists(os.path.join("/opt/ml/model", marker)), flush=True)
"""


def test_without_namespaces_the_log_says_so_once_and_sm_variables_work(labstudio_home, write_script, monkeypatch) -> None:
    from labstudio.core import Core

    monkeypatch.setenv(launch.NO_NAMESPACES_VAR, "1")
    core = Core.from_env()  # the setting is read when a core starts (a server, a kernel, the CLI)
    name = to_json(core.jobs.submit({"entry_point": str(write_script(FALLBACK_SCRIPT))}))["TrainingJobName"]
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Completed"
    lines = _labstudio_lines(core, name)
    assert len(lines) == 1 and launch.NO_NAMESPACES_VAR in lines[0] and "/opt/ml is not its own tree" in lines[0]
    assert to_json(core.jobs.logs(name))["text"].splitlines()[-1] == "at /opt/ml/model: False"
    with tarfile.open(final["ModelArtifacts"]["S3ModelArtifacts"]) as tar:
        member = tar.extractfile(f"written-{name}")
        assert member is not None and member.read() == b"via SM_MODEL_DIR"


@pytest.mark.skipif(not _can_refuse_namespaces(), reason="needs unshare(1) and user namespaces to simulate a host that refuses PID namespaces")
def test_a_host_that_refuses_namespaces_says_opt_ml_is_not_available(labstudio_home, write_script) -> None:
    from labstudio.core import Core

    script = write_script(FALLBACK_SCRIPT)
    out = subprocess.run(
        _refusing_namespaces([sys.executable, "-m", "labstudio.cli", "train", str(script), "--wait"]),
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    name = out.stdout.splitlines()[0].strip()
    core = Core.from_env()
    assert core.jobs.get(name).status == "Completed", out.stdout + out.stderr
    lines = _labstudio_lines(core, name)
    assert len(lines) == 1 and lines[0].startswith("labstudio: no PID namespace for this job (")
    assert "/opt/ml is not the job's own tree" in lines[0]
    assert to_json(core.jobs.logs(name))["text"].splitlines()[-1] == "at /opt/ml/model: False"


@needs_namespaces
def test_a_tree_that_cannot_be_shown_is_said_once_and_the_script_runs(tmp_path) -> None:
    """nsinit itself, as the supervisor starts it: the note is one line, /opt is left as it was."""
    read_fd, write_fd = os.pipe()
    try:
        out = subprocess.run(
            [sys.executable, "-I", "-S", launch.NSINIT, str(os.getpid()), str(write_fd), f"--opt-ml={tmp_path / 'missing'}", "ls", "/opt"],
            pass_fds=(write_fd,),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as handle:
        assert handle.read(1) == b"N"
    assert out.returncode == 0, out.stderr
    note, *listing = out.stdout.splitlines()
    assert note == f"labstudio: /opt/ml is not the job's own tree: use the SM_* variables, which point at it ([Errno 2] {tmp_path / 'missing'} is not a folder)"
    assert sorted(listing) == sorted(os.listdir("/opt"))


NO_OPT_PROBE = """
import json, os, sys
from labstudio.jobs import nsinit, optml
optml.OPT = sys.argv[1]  # a name this host does not have: what a system without /opt looks like
nsinit.create_mount_namespace()
before, cwd = sorted(os.listdir("/")), os.getcwd()
note = optml.bind_opt_ml(sys.argv[2])
print(json.dumps({
    "note": note,
    "cwd": os.getcwd() == cwd,
    "added": sorted(set(os.listdir("/")) - set(before)),
    "lost": sorted(set(before) - set(os.listdir("/"))),
    "ml": open(os.path.join(optml.OPT, "ml", "model", "saved.txt")).read(),
    "proc": os.readlink("/proc/self") == str(os.getpid()),
}))
"""


@needs_namespaces
def test_a_system_without_opt_gets_one_in_the_job_only(tmp_path) -> None:
    """No /opt at all: the job gets a root of its own with every entry of / plus /opt."""
    missing = f"/labstudio-no-opt-{uuid.uuid4().hex[:8]}"
    tree = tmp_path / "tree"
    (tree / "model").mkdir(parents=True)
    (tree / "model" / "saved.txt").write_text("the job's")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", NO_OPT_PROBE, missing, str(tree)], cwd=tmp_path, capture_output=True, text=True, timeout=60, env={**os.environ, "TMPDIR": str(tmp)}
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen == {"note": None, "cwd": True, "added": [missing[1:]], "lost": [], "ml": "the job's", "proc": True}
    assert not os.path.exists(missing)  # nothing changed on the host
    assert os.listdir(tmp) == []  # the staging folder of the new root is gone


STOP_SCRIPT = """
import os, sys, time
token = sys.argv[sys.argv.index("--token") + 1]
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", "import time\\nwhile True: time.sleep(0.2)", "optml-child-" + token])
open("/opt/ml/model/started", "w").close()
print("ready", flush=True)
time.sleep(600)
"""


@needs_namespaces
def test_stop_still_kills_the_whole_tree(core, write_script, namespaces) -> None:
    from test_jobs_containment import _pids_with_token

    token = uuid.uuid4().hex
    name = to_json(core.jobs.submit({"entry_point": str(write_script(STOP_SCRIPT)), "hyperparameters": {"token": token}}))["TrainingJobName"]
    wait_for(lambda: "ready" in to_json(core.jobs.logs(name))["text"], 60, message="script ready")
    wait_for(lambda: _pids_with_token("optml-child-" + token), 30, message="the child that left the group")
    assert procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")  # the leftovers search sees into the namespace
    core.jobs.stop(name)
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Stopped"
    assert (core.jobs.layout(name).model / "started").exists()
    wait_for(lambda: not _pids_with_token("optml-child-" + token), 30, message="the child to be stopped")
    assert not procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")


# -- endpoints: each worker finds its model at /opt/ml/model ------------------------------

HARD_CODED_MODEL = """
import json, os


def model_fn(model_dir):
    with open("/opt/ml/model/value.txt") as handle:  # what SageMaker's containers allow
        return {"value": float(handle.read()), "model_dir": model_dir, "sm_model_dir": os.environ["SM_MODEL_DIR"]}


def transform_fn(model, body, content_type, accept):
    return json.dumps(model), "application/json"
"""

SM_MODEL_DIR_ONLY = """
import json, os


def model_fn(model_dir):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "value.txt")) as handle:
        return float(handle.read())


def transform_fn(model, body, content_type, accept):
    return json.dumps({"value": model, "opt_ml": os.path.exists("/opt/ml/model/value.txt")}), "application/json"
"""


def _model_folder(root: Path, value: float, code: str) -> tuple[Path, Path]:
    model = root / "model"
    model.mkdir(parents=True)
    (model / "value.txt").write_text(str(value))
    code_dir = root / "code"
    code_dir.mkdir()
    (code_dir / "inference.py").write_text(code)
    return model, code_dir


def _opt_ml_lines(endpoints, name: str) -> list[str]:
    return [line for line in endpoints.log_path(name).read_text().splitlines() if "/opt/ml/model is not" in line]


@needs_namespaces
def test_an_endpoint_worker_loads_its_model_from_opt_ml(endpoints, tmp_path, namespaces) -> None:
    from serving_helpers import post

    model, code = _model_folder(tmp_path / "a", 4.5, HARD_CODED_MODEL)
    d = endpoints.deploy(str(model), name="optml", source_dir=str(code), entry_point="inference.py", workers=2, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    for _ in range(4):  # either worker
        status, _, body = post(d["EndpointUrl"], "{}", "application/json")
        assert status == 200, body
        answer = json.loads(body)
        assert answer["value"] == 4.5
        assert answer["model_dir"] == answer["sm_model_dir"] != "/opt/ml/model"  # the host's path, as before
    assert _opt_ml_lines(endpoints, "optml") == []
    assert not Path("/opt/ml/model/value.txt").exists() or Path("/opt/ml/model/value.txt").read_text() != "4.5"


def test_without_namespaces_an_endpoint_says_so_once(endpoints, tmp_path, monkeypatch) -> None:
    from serving_helpers import post

    monkeypatch.setenv(launch.NO_NAMESPACES_VAR, "1")
    model, code = _model_folder(tmp_path / "b", 2.0, SM_MODEL_DIR_ONLY)
    d = endpoints.deploy(str(model), name="nons", source_dir=str(code), entry_point="inference.py", workers=2, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    status, _, body = post(d["EndpointUrl"], "{}", "application/json")
    assert status == 200 and json.loads(body) == {"value": 2.0, "opt_ml": False}
    lines = _opt_ml_lines(endpoints, "nons")
    assert len(lines) == 1 and "use SM_MODEL_DIR" in lines[0] and launch.NO_NAMESPACES_VAR in lines[0]
