"""requirements.txt of served code (endpoints, batch transform), processing's off switch, and the
SDK naming/describe details found running the public local-mode samples.

Offline: the package is a tiny wheel built here (tests/test_jobs_requirements.py's helper),
found through `--no-index --find-links` written in the requirements file itself.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import labstudio
from labstudio.shapes import to_json
from serving_helpers import post, write_source
from test_jobs_requirements import PACKAGE, build_wheel

INFERENCE = f"""
import json, os
import {PACKAGE}  # only in the environment built from requirements.txt


def model_fn(model_dir):
    with open(os.path.join(model_dir, "weights.txt")) as handle:
        return handle.read().strip()


def transform_fn(model, body, content_type, accept):
    return json.dumps({{"value": {PACKAGE}.VALUE, "file": {PACKAGE}.__file__, "model": model}}), "application/json"
"""
STAMP = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}"


@pytest.fixture
def served(tmp_path: Path) -> dict[str, Path]:
    """A model folder and an inference folder whose requirements.txt asks for the tiny package."""
    build_wheel(tmp_path / "wheels")
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.txt").write_text("w1\n")
    src = write_source(tmp_path / "src", INFERENCE)
    (src / "requirements.txt").write_text(f"--no-index\n--find-links {tmp_path / 'wheels'}\n{PACKAGE}==0.1\n")
    return {"model": model, "src": src}


def test_an_endpoint_installs_requirements_before_importing_the_script(endpoints, served, labstudio_home: Path) -> None:
    assert importlib.util.find_spec(PACKAGE) is None  # the test's own environment never gets it
    d = endpoints.deploy(str(served["model"]), name="reqs", source_dir=str(served["src"]), wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d.get("FailureReason")
    code, _, body = post(d["EndpointUrl"], "x", "text/plain", "application/json")
    answer = json.loads(body)
    assert code == 200 and answer["value"] == "tiny 0.1" and answer["model"] == "w1", answer
    assert answer["file"].startswith(str(labstudio_home / "pyenvs")), answer
    log = endpoints.logs("reqs")
    assert "installing requirements.txt" in log and f"Successfully installed {PACKAGE}-0.1" in log

    again = endpoints.deploy(str(served["model"]), name="reqs2", source_dir=str(served["src"]), wait=True, timeout=120)
    assert again["EndpointStatus"] == "InService", again.get("FailureReason")
    log2 = endpoints.logs("reqs2")
    assert "reusing the environment" in log2 and "Successfully installed" not in log2
    assert importlib.util.find_spec(PACKAGE) is None


def test_a_failing_install_fails_the_endpoint_with_pips_error(endpoints, served, tmp_path: Path) -> None:
    (served["src"] / "requirements.txt").write_text(f"--no-index\n--find-links {tmp_path / 'wheels'}\n{PACKAGE}==9.9\n")
    d = endpoints.deploy(str(served["model"]), name="badreqs", source_dir=str(served["src"]), wait=True, timeout=120)
    assert d["EndpointStatus"] == "Failed"
    reason = d["FailureReason"]
    assert reason.startswith("InstallRequirementsError:"), reason
    assert f"ERROR: Could not find a version that satisfies the requirement {PACKAGE}==9.9" in reason


def test_deploy_no_requirements_skips_the_install(served, tmp_path: Path, labstudio_home: Path) -> None:
    """`labstudio deploy --no-requirements`: the script imports from labstudio's environment only."""
    done = subprocess.run(
        [sys.executable, "-m", "labstudio.cli", "deploy", str(served["model"]), "--name", "noreqs", "--source-dir", str(served["src"]),
         "--no-requirements", "--timeout", "120"],
        capture_output=True, text=True, env=os.environ, timeout=180, cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"No module named '{PACKAGE}'" in done.stderr
    assert not (labstudio_home / "pyenvs").exists()


def test_a_transform_installs_requirements_and_a_failed_install_fails_it(core, served, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("1,2\n3,4\n")
    request = {"model": str(served["model"]), "source_dir": str(served["src"]), "input": str(tmp_path / "in.csv"),
               "output_path": str(tmp_path / "out"), "content_type": "text/csv"}
    job = to_json(core.transforms.submit(request))
    final = to_json(core.transforms.wait(job["TransformJobName"], timeout=120))
    assert final["TransformJobStatus"] == "Completed", final.get("FailureReason")
    assert json.loads((tmp_path / "out" / "in.csv.out").read_text())["value"] == "tiny 0.1"

    (served["src"] / "requirements.txt").write_text(f"--no-index\n--find-links {tmp_path / 'wheels'}\n{PACKAGE}==9.9\n")
    bad = to_json(core.transforms.submit({**request, "output_path": str(tmp_path / "out2")}))
    final = to_json(core.transforms.wait(bad["TransformJobName"], timeout=120))
    assert final["TransformJobStatus"] == "Failed"
    assert final["FailureReason"].startswith("InstallRequirementsError:") and f"{PACKAGE}==9.9" in final["FailureReason"]


PROCESS = "import importlib.util\nprint('has package:', importlib.util.find_spec('lstinyreq') is not None)\n"


def test_processing_install_requirements_switch(core, served, tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (served["src"] / "prep.py").write_text(PROCESS)
    monkeypatch.chdir(tmp_path)
    from labstudio.processing import FrameworkProcessor

    processor = FrameworkProcessor(install_requirements=False)
    processor.run("prep.py", source_dir=str(served["src"]), logs=False)
    name = processor.latest_job.job_name
    assert to_json(core.processing.describe(name))["ProcessingJobStatus"] == "Completed"
    assert "has package: False" in to_json(core.processing.logs(name))["text"]
    assert not (labstudio_home / "pyenvs").exists()

    done = subprocess.run(
        [sys.executable, "-m", "labstudio.cli", "process", "prep.py", "--source-dir", str(served["src"]), "--no-requirements", "--wait"],
        capture_output=True, text=True, env=os.environ, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "has package: False" in done.stdout
    assert not (labstudio_home / "pyenvs").exists()


TRAIN = """
import os


def model_fn(model_dir):
    with open(os.path.join(model_dir, "v.txt")) as handle:
        return handle.read()


def transform_fn(model, body, content_type, accept):
    return model, "text/plain"


if __name__ == "__main__":
    import helper
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "v.txt"), "w") as handle:
        handle.write(helper.VALUE)
"""


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_source(tmp_path / "src", TRAIN, name="train.py")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper.py").write_text("VALUE = 'trained'\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_an_estimators_endpoint_name_has_one_timestamp(project: Path, endpoints) -> None:
    est = labstudio.Estimator("train.py", source_dir="src", dependencies=["lib/helper.py"], base_job_name="catboost-train-deploy")
    est.fit(logs=False)
    assert re.fullmatch(f"catboost-train-deploy-{STAMP}", est.latest_training_job.name)
    predictor = est.deploy(1, "local")
    try:
        assert re.fullmatch(f"catboost-train-deploy-{STAMP}", predictor.endpoint_name), predictor.endpoint_name
    finally:
        predictor.delete_endpoint()


def test_describe_names_the_users_source_dir_not_the_staged_copy(project: Path, core) -> None:
    est = labstudio.Estimator("train.py", source_dir="src", dependencies=["lib/helper.py"])
    est.fit(logs=False)
    described = est.describe()
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    assert described["SourceDir"] == str((project / "src").resolve())
    assert to_json(core.jobs.describe(est.latest_training_job.name))["SourceDir"] == str((project / "src").resolve())


def test_a_missing_model_path_says_it_does_not_exist(endpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labstudio.errors import NotFound

    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotFound) as caught:
        endpoints.deploy("models/model.tar.gz", base_dir=tmp_path)
    message = caught.value.message
    assert message.startswith(f"the model archive 'models/model.tar.gz' does not exist: nothing at {tmp_path / 'models' / 'model.tar.gz'}"), message

    with pytest.raises(LookupError) as sdk:  # labstudio's NotFound, as the server said it
        labstudio.Model(model_data="missing-folder").deploy(1, "local")
    assert f"no file or folder at {tmp_path / 'missing-folder'}" in str(sdk.value) and "no training job of that name" in str(sdk.value)

    done = subprocess.run([sys.executable, "-m", "labstudio.cli", "deploy", "nope/model"], capture_output=True, text=True,
                          env=os.environ, timeout=60, cwd=tmp_path)
    assert done.returncode == 1 and f"does not exist: nothing at {tmp_path / 'nope' / 'model'}" in done.stderr, done.stderr


def test_an_endpoint_named_after_a_generated_job_name_has_one_timestamp() -> None:
    """`labstudio deploy train-2026-...` without --name: SageMaker's `<base>-<stamp>`, not the
    job's stamp followed by a second one."""
    import re as _re

    from labstudio.serving.sources import Source, default_name

    job = Source(kind="job", location="/x/model.tar.gz", description="file:///h/artifacts/model.tar.gz (training job train-2026-11-30-07-22-28-000)")
    name = default_name(job, 1_780_000_000.25)
    assert _re.fullmatch(r"train-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}", name), name
    plain = Source(kind="job", location="/x/model.tar.gz", description="file:///h/artifacts/model.tar.gz (training job churn-model)")
    assert default_name(plain, 1_780_000_000.25).startswith("churn-model-")
