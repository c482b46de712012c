"""requirements.txt in a job's source dir: installed before the script, cached, turned off on request.

Offline: the package is a tiny wheel built here, found through `--no-index --find-links`
written in the requirements file itself.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from labstudio.shapes import to_json

PACKAGE = "lstinyreq"


def build_wheel(folder: Path, version: str = "0.1") -> Path:
    """A pure-Python wheel of PACKAGE (a zip with the three dist-info files pip needs)."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{PACKAGE}-{version}-py3-none-any.whl"
    info = f"{PACKAGE}-{version}.dist-info"
    files = {
        f"{PACKAGE}/__init__.py": f"VALUE = 'tiny {version}'\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: labstudio-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(f"{info}/RECORD", "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n")
    return wheel


SCRIPT = f"""
import sys
import numpy  # a package of the base environment stays visible
import {PACKAGE}
print("imported", {PACKAGE}.VALUE, "from", {PACKAGE}.__file__)
print("python", sys.executable)
"""


@pytest.fixture
def source(tmp_path: Path, write_script) -> Path:
    build_wheel(tmp_path / "wheels")
    script = write_script(SCRIPT)
    (script.parent / "requirements.txt").write_text(f"--no-index\n--find-links {tmp_path / 'wheels'}\n{PACKAGE}==0.1\n")
    return script.parent


def _run(core, source_dir: Path, **extra: object) -> dict:
    job = to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(source_dir), **extra}))
    return to_json(core.jobs.wait(job["TrainingJobName"], timeout=120))


def test_requirements_are_installed_once_and_reused(core, source: Path, labstudio_home: Path) -> None:
    assert importlib.util.find_spec(PACKAGE) is None  # the test's own environment never gets it
    first = _run(core, source)
    assert first["TrainingJobStatus"] == "Completed", first.get("FailureReason")
    log = to_json(core.jobs.logs(first["TrainingJobName"]))["text"]
    assert "installing requirements.txt" in log and f"Successfully installed {PACKAGE}-0.1" in log
    assert "imported tiny 0.1" in log
    cache = labstudio_home / "pyenvs"
    envs = [p for p in cache.iterdir() if p.is_symlink()]
    assert len(envs) == 1 and str(envs[0].resolve()) in log
    statuses = [t["Status"] for t in first["SecondaryStatusTransitions"]]
    assert statuses[:3] == ["Starting", "Downloading", "Training"], statuses
    assert "requirements.txt" in first["SecondaryStatusTransitions"][1]["StatusMessage"]

    second = _run(core, source)
    assert second["TrainingJobStatus"] == "Completed", second.get("FailureReason")
    log2 = to_json(core.jobs.logs(second["TrainingJobName"]))["text"]
    assert "reusing the environment" in log2 and "Successfully installed" not in log2
    assert "imported tiny 0.1" in log2
    assert [p for p in cache.iterdir() if p.is_symlink()] == envs
    assert importlib.util.find_spec(PACKAGE) is None


def test_a_failing_install_fails_the_job_with_pips_error(core, source: Path, tmp_path: Path) -> None:
    (source / "requirements.txt").write_text(f"--no-index\n--find-links {tmp_path / 'wheels'}\n{PACKAGE}==9.9\n")
    final = _run(core, source)
    assert final["TrainingJobStatus"] == "Failed"
    reason = final["FailureReason"]
    assert reason.startswith("InstallRequirementsError:"), reason
    assert f"ERROR: Could not find a version that satisfies the requirement {PACKAGE}==9.9" in reason
    log = to_json(core.jobs.logs(final["TrainingJobName"]))["text"]
    assert "imported" not in log  # the script never ran
    assert final.get("TrainingStartTime") is None or "Training" not in [t["Status"] for t in final["SecondaryStatusTransitions"]]


def test_no_requirements_flag_skips_the_install(source: Path, tmp_path: Path, labstudio_home: Path) -> None:
    """`labstudio train --no-requirements`: the script runs in labstudio's environment as it is."""
    (source / "train.py").write_text("import importlib.util\nprint('has package:', importlib.util.find_spec('lstinyreq') is not None)\n")
    done = subprocess.run(
        [sys.executable, "-m", "labstudio.cli", "train", "train.py", "--source-dir", str(source), "--no-requirements", "--wait"],
        capture_output=True, text=True, env=os.environ, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "has package: False" in done.stdout
    assert "do not install it" in done.stdout
    assert not (labstudio_home / "pyenvs").exists()


def test_jobs_starting_together_build_one_environment(core, source: Path, labstudio_home: Path) -> None:
    names = [to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(source)}))["TrainingJobName"] for _ in range(2)]
    finals = [to_json(core.jobs.wait(name, timeout=120)) for name in names]
    assert [f["TrainingJobStatus"] for f in finals] == ["Completed", "Completed"], [f.get("FailureReason") for f in finals]
    logs = [to_json(core.jobs.logs(name))["text"] for name in names]
    assert sum(f"Successfully installed {PACKAGE}-0.1" in log for log in logs) == 1, logs
    assert all("imported tiny 0.1" in log for log in logs)
    cache = labstudio_home / "pyenvs"
    built = [p for p in cache.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(built) == 1 and [p.resolve() for p in cache.iterdir() if p.is_symlink()] == built


def test_a_stop_during_the_install_ends_pip_and_the_job(core, source: Path, tmp_path: Path) -> None:
    """pip waiting on an index that never answers: the stop ends it, and the script never runs."""
    import socket

    from conftest import wait_for

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (the kernel does), never answers
    port = silent.getsockname()[1]
    try:
        (source / "requirements.txt").write_text(f"--no-index\n--find-links http://127.0.0.1:{port}/simple/\n{PACKAGE}==0.1\n")
        name = to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(source), "environment": {"PIP_DEFAULT_TIMEOUT": "60", "PIP_RETRIES": "0"}}))["TrainingJobName"]
        wait_for(lambda: "installing requirements.txt" in to_json(core.jobs.logs(name))["text"], timeout=60, message="pip to start")
        assert to_json(core.jobs.describe(name))["SecondaryStatus"] == "Downloading"
        core.jobs.stop(name)
        final = to_json(core.jobs.wait(name, timeout=60))
    finally:
        silent.close()
    assert final["TrainingJobStatus"] == "Stopped" and final["StatusMessage"] == "Stopped while installing requirements.txt"
    assert "imported" not in to_json(core.jobs.logs(name))["text"]


def test_the_cache_is_per_environment_not_per_interpreter_binary(tmp_path: Path) -> None:
    """Two venvs made from one Python share the interpreter binary but not their packages: an
    env built over one must not be reused by a job of the other."""
    from labstudio.jobs.requirements import cache_key

    pythons = []
    for name in ("venv-a", "venv-b"):
        (tmp_path / name / "bin").mkdir(parents=True)
        link = tmp_path / name / "bin" / "python"
        link.symlink_to(os.path.realpath(sys.executable))
        pythons.append(str(link))
    assert cache_key(b"tiny==1\n", pythons[0]) != cache_key(b"tiny==1\n", pythons[1])
    assert cache_key(b"tiny==1\n", pythons[0]) == cache_key(b"tiny==1\n", pythons[0])
