"""A job's supervisor runs once: a second `labstudio.supervise` of the same job (a launcher that
cannot tell whether its first start happened, such as a resumed tuner) exits without running
the script, whether the first one is still running or already finished."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import wait_for
from labstudio.shapes import to_json


def _supervise(job_dir: str) -> subprocess.CompletedProcess[str]:
    """`labstudio.supervise` is given the job's folder (never a name to look a home up from)."""
    return subprocess.run(
        [sys.executable, "-m", "labstudio.supervise", job_dir, "--foreground"], env=dict(os.environ), capture_output=True, text=True, timeout=120
    )


def test_a_second_supervisor_of_a_job_never_runs_it_again(core, write_script, tmp_path) -> None:
    gate = tmp_path / "go"
    script = write_script(
        f"""
import pathlib, time
print("started", flush=True)
while not pathlib.Path({str(gate)!r}).exists():
    time.sleep(0.02)
print("done", flush=True)
"""
    )
    core.jobs.submit({"name": "once", "entry_point": script.name, "source_dir": str(script.parent)})
    wait_for(lambda: "started" in to_json(core.jobs.logs("once"))["text"], timeout=120, message="the script to start")
    while_running = _supervise(str(core.jobs.layout("once").job_dir))
    assert while_running.returncode == 0, while_running.stderr
    gate.touch()
    final = to_json(core.jobs.wait("once", timeout=120))
    assert final["TrainingJobStatus"] == "Completed", final["FailureReason"]
    after = _supervise(str(core.jobs.layout("once").job_dir))
    assert after.returncode == 0, after.stderr
    assert to_json(core.jobs.logs("once"))["text"] == "started\ndone\n"  # the script ran exactly once
    assert to_json(core.jobs.describe("once"))["TrainingJobStatus"] == "Completed"
