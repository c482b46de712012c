"""Jobs outlive the Jupyter server; a restarted server finds dead supervisors."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import procs as procutil
from servers import JupyterProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def server_root(tmp_path: Path, labstudio_home: Path) -> Path:
    root = tmp_path / "root"
    (root / "proj").mkdir(parents=True)
    # runs until the test creates proj/release, so the restart happens mid-job whatever the machine's speed
    (root / "proj" / "slow.py").write_text(
        "import os, time\n"
        f"release = {str(root / 'proj' / 'release')!r}\n"
        "i = 0\nwhile True:\n    print(f'tick {i} loss={1/(i+1)}', flush=True)\n    i += 1\n"
        "    if i >= 8 and os.path.exists(release):\n        break\n    time.sleep(0.2)\n"
    )
    (root / "proj" / "forever.py").write_text("import time\nprint('up', flush=True)\ntime.sleep(600)\n")
    return root


def _status(server: JupyterProcess, name: str) -> str:
    code, body = server.request("GET", f"/labstudio/api/jobs/{name}")
    assert code == 200, body
    return body["TrainingJobStatus"]


def test_job_survives_a_server_restart(server_root: Path) -> None:
    first = JupyterProcess(server_root, dict(os.environ)).start()
    try:
        code, body = first.request("POST", "/labstudio/api/jobs", {
            "entry_point": "proj/slow.py", "name": "survivor", "metric_definitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]})
        assert code == 201, body
        wait_for(lambda: "tick 1" in first.request("GET", "/labstudio/api/jobs/survivor/logs")[1]["text"], 60, message="job running")
    finally:
        first.kill()  # the server dies hard, mid-job
    second = JupyterProcess(server_root, dict(os.environ)).start()
    try:
        assert _status(second, "survivor") == "InProgress"
        (server_root / "proj" / "release").write_text("")
        wait_for(lambda: _status(second, "survivor") == "Completed", 60, message="job completes under the new server")
        code, body = second.request("GET", "/labstudio/api/jobs/survivor")
        logs = second.request("GET", "/labstudio/api/jobs/survivor/logs")[1]["text"]
        ticks = [int(ln.split()[1]) for ln in logs.splitlines()]
        assert ticks == list(range(len(ticks))) and len(ticks) >= 8  # no line lost across the restart
        assert body["FinalMetricDataList"][0]["Value"] == pytest.approx(1 / len(ticks))
    finally:
        second.stop()


def test_restarted_server_marks_jobs_with_dead_supervisors_failed(server_root: Path) -> None:
    first = JupyterProcess(server_root, dict(os.environ)).start()
    try:
        code, body = first.request("POST", "/labstudio/api/jobs", {"entry_point": "proj/forever.py", "name": "orphan"})
        assert code == 201, body
        wait_for(lambda: "up" in first.request("GET", "/labstudio/api/jobs/orphan/logs")[1]["text"], 60, message="job running")
    finally:
        first.kill()
    from labstudio.core import Core

    jobs = Core.from_env().jobs
    job = wait_for(lambda: (j := jobs.get("orphan")).process_pgid and j, 30, message="start recorded")
    os.kill(job.supervisor_pid, signal.SIGKILL)  # the supervisor dies while no server is watching
    second = JupyterProcess(server_root, dict(os.environ)).start()
    try:
        wait_for(lambda: _status(second, "orphan") == "Failed", 30, message="reconciled on start")
        code, body = second.request("GET", "/labstudio/api/jobs/orphan")
        assert "supervisor" in body["FailureReason"] and "ended unexpectedly" in body["FailureReason"]
        wait_for(lambda: not procutil.is_alive(job.process_pgid), 15, message="the orphaned script is killed")
    finally:
        second.stop()


def test_real_server_requires_a_token(server_root: Path) -> None:
    server = JupyterProcess(server_root, dict(os.environ)).start()
    try:
        code, _ = server.request("GET", "/labstudio/api/jobs", token=None)
        assert code in (401, 403)
        code, _ = server.request("GET", "/labstudio/api/jobs", token="wrong")
        assert code in (401, 403)
        code, body = server.request("GET", "/labstudio/api/jobs")
        assert code == 200 and body["TrainingJobSummaries"] == []
    finally:
        server.stop()
