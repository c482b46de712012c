"""Containment of a job's processes, as a user sees it, with real supervisors and scripts.

* With PID namespaces (the default where the system allows them), nothing a job starts
  outlives its supervisor, even a child that left the process group, dropped the job's
  environment markers and re-exec'd itself, and even when the supervisor dies of kill -9
  while no server runs to reconcile anything.
* With LABSTUDIO_NO_NAMESPACES=1 (the fallback), stop, exit codes and failure reasons
  behave the same and the log says, once, that the job is not in a namespace.
* A stop sends SIGTERM exactly once to each process of the job.
* Whoever waits on a job (the CLI's --wait, the SDK's wait(), the JobMonitor widget)
  notices a dead supervisor by itself, with no Jupyter server running.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import procs as procutil
from labstudio.jobs import launch
from labstudio.shapes import to_json

MODES = ["namespace", "no-namespace"]


def _namespaces_available() -> bool:
    """Ask nsinit itself, the way the supervisor does: 'N' on its mode pipe."""
    read_fd, write_fd = os.pipe()
    try:
        subprocess.run(
            [sys.executable, "-I", "-S", launch.NSINIT, str(os.getpid()), str(write_fd), "true"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            timeout=60,
        )
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as handle:
        return handle.read(1) == b"N"


NAMESPACES = _namespaces_available()
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="this system refuses PID namespaces (see docs/process-containment.md)")


@pytest.fixture(params=MODES)
def mode(request, labstudio_home, monkeypatch) -> str:
    if request.param == "namespace":
        if not NAMESPACES:
            pytest.skip("this system refuses PID namespaces")
        monkeypatch.delenv(launch.NO_NAMESPACES_VAR, raising=False)
    else:
        monkeypatch.setenv(launch.NO_NAMESPACES_VAR, "1")
    return request.param


@pytest.fixture
def core(labstudio_home, request):  # type: ignore[no-untyped-def]
    """The core of a test, started after `mode` set LABSTUDIO_NO_NAMESPACES (a core reads its
    settings when it starts, as a server or a kernel does)."""
    if "mode" in request.fixturenames:
        request.getfixturevalue("mode")
    from labstudio.core import Core

    return Core.from_env()


def _pids_with_token(token: str) -> list[int]:
    """Host pids of processes whose command line holds token (they may have cleaned their environment)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline and procutil.is_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _supervisor_pid(core, name: str) -> tuple[int, int]:
    job = wait_for(lambda: (j := core.jobs.get(name)).supervisor_pid and j.secondary_status == "Training" and j, 60, message="supervisor running the script")
    return job.supervisor_pid, job.supervisor_start_ticks


def _kill9(pid: int, ticks: int) -> None:
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not procutil.is_alive(pid, ticks), 30, message="supervisor gone")


def _labstudio_lines(core, name: str) -> list[str]:
    return [line for line in to_json(core.jobs.logs(name))["text"].splitlines() if line.startswith("labstudio:")]


# -- a job cannot escape its supervisor's death ----------------------------------------

ESCAPING_SCRIPT = """
import os, sys, time
token = sys.argv[sys.argv.index("--token") + 1]
if os.fork() == 0:
    os.setsid()
    clean = {k: v for k, v in os.environ.items() if k != "TRAINING_JOB_NAME" and not k.startswith(("LABSTUDIO_", "SM_"))}
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.execve(sys.executable, [sys.executable, "-c", "import time\\nwhile True: time.sleep(0.2)", "escapee-" + token], clean)
print("escapee started", flush=True)
time.sleep(600)
"""


@needs_namespaces
def test_escaped_child_dies_with_a_killed_supervisor(core, write_script) -> None:
    token = uuid.uuid4().hex
    script = write_script(ESCAPING_SCRIPT)
    name = to_json(core.jobs.submit({"entry_point": str(script), "hyperparameters": {"token": token}}))["TrainingJobName"]
    escapee = wait_for(lambda: _pids_with_token("escapee-" + token), 60, message="the escaped child")
    script_pids = procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")
    assert script_pids  # the script itself still carries the marker, the escaped child does not
    assert b"TRAINING_JOB_NAME" not in procutil.environ_of(escapee[0])
    assert all(os.getsid(p) != os.getsid(escapee[0]) for p in script_pids)  # and it left their session
    pid, ticks = _supervisor_pid(core, name)
    _kill9(pid, ticks)
    # No reconcile, no server: the kernel takes the job's whole PID namespace down.
    wait_for(lambda: not _pids_with_token("escapee-" + token), 30, message="the escaped child to die with the supervisor")
    wait_for(lambda: not any(procutil.is_alive(p) for p in script_pids), 30, message="the script to die with the supervisor")
    assert _labstudio_lines(core, name) == []  # the namespace worked: nothing to warn about


@needs_namespaces
def test_the_script_sees_its_own_namespace(core, write_script) -> None:
    script = write_script(
        """
        import os
        print("pid", os.getpid(), "proc", os.readlink("/proc/self"), "parent", os.getppid(), flush=True)
        """
    )
    final = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Completed"
    # pid 1 is labstudio's init, the script pid 2; /proc agrees with os.getpid() (psutil, ps work)
    assert to_json(core.jobs.logs(final["TrainingJobName"]))["text"] == "pid 2 proc 2 parent 1\n"


def test_fallback_says_so_once_in_the_log(labstudio_home, write_script, monkeypatch) -> None:
    from labstudio.core import Core

    monkeypatch.setenv(launch.NO_NAMESPACES_VAR, "1")
    core = Core.from_env()  # the setting is read when a core starts (a server, a kernel, the CLI)
    script = write_script("import os\nprint('pid', os.getpid(), 'proc', os.readlink('/proc/self'))\n")
    name = to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Completed"
    lines = _labstudio_lines(core, name)
    assert len(lines) == 1 and launch.NO_NAMESPACES_VAR in lines[0] and "process-containment" in lines[0]
    pid_line = to_json(core.jobs.logs(name))["text"].splitlines()[-1].split()
    assert pid_line[1] == pid_line[3] != "2"  # the host's pids: no namespace


def _refusing_namespaces(argv: list[str]) -> list[str]:
    """argv run in a user namespace that may create no PID namespace: what a locked-down host does."""
    return ["unshare", "--user", "--map-root-user", "sh", "-c", 'echo 0 > /proc/sys/user/max_pid_namespaces && exec "$@"', "sh", *argv]


def _can_refuse_namespaces() -> bool:
    try:
        return subprocess.run(_refusing_namespaces(["true"]), capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


# -- stop, exit codes and failure reasons, with and without a namespace ------------------

COUNTING_SCRIPT = """
import os, signal, sys, time
out = os.environ["SM_OUTPUT_DIR"]

def counter(path):
    def on_term(*_):
        with open(path, "a") as f:
            f.write("SIGTERM\\n")
    return on_term

if os.fork() == 0:  # a child that left the group: it must get the stop too, once
    os.setsid()
    signal.signal(signal.SIGTERM, counter(os.path.join(out, "child-terms.txt")))
    open(os.path.join(out, "child-ready"), "w").close()
    while True:
        time.sleep(0.2)
signal.signal(signal.SIGTERM, counter(os.path.join(out, "script-terms.txt")))
while not os.path.exists(os.path.join(out, "child-ready")):
    time.sleep(0.05)
print("ready", flush=True)
while True:
    time.sleep(0.2)
"""


def test_stop_sends_sigterm_exactly_once(core, write_script, mode) -> None:
    script = write_script(COUNTING_SCRIPT)
    name = to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    wait_for(lambda: "ready" in to_json(core.jobs.logs(name))["text"], 60, message="script ready")
    core.jobs.stop(name)
    final = to_json(core.jobs.wait(name, timeout=90))  # they ignore SIGTERM: SIGKILL after the grace period
    assert final["TrainingJobStatus"] == "Stopped"
    output = core.jobs.layout(name).output
    assert (output / "script-terms.txt").read_text() == "SIGTERM\n"
    assert (output / "child-terms.txt").read_text() == "SIGTERM\n"
    assert not procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")


def test_stop_reaches_an_escaped_child_that_exits(core, write_script, mode) -> None:
    token = uuid.uuid4().hex
    script = write_script(ESCAPING_SCRIPT)
    name = to_json(core.jobs.submit({"entry_point": str(script), "hyperparameters": {"token": token}}))["TrainingJobName"]
    wait_for(lambda: _pids_with_token("escapee-" + token), 60, message="the escaped child")
    core.jobs.stop(name)
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Stopped" and final["SecondaryStatus"] == "Stopped"
    wait_for(lambda: not _pids_with_token("escapee-" + token), 30, message="the escaped child to be stopped")


@pytest.mark.parametrize(
    "body, exit_code, reason",
    [
        ("import sys\nprint('bad data')\nsys.exit(7)\n", 7, "AlgorithmError: the training script failed (exit code 7); last output: 'bad data'"),
        (
            "import os, signal\nprint('out of memory soon', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n",
            -9,
            "AlgorithmError: the training script failed (killed by SIGKILL (the system may have run out of memory)); last output: 'out of memory soon'",
        ),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", -11, "AlgorithmError: the training script failed (killed by SIGSEGV); the script printed nothing"),
    ],
)
def test_exit_codes_and_failure_reasons(core, write_script, mode, body, exit_code, reason) -> None:
    final = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": str(write_script(body))}))["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Failed"
    assert final["ExitCode"] == exit_code
    assert final["FailureReason"] == reason


def test_max_runtime_stops_the_job(core, write_script, mode) -> None:
    script = write_script("import time\nprint('training', flush=True)\ntime.sleep(600)\n")
    name = to_json(core.jobs.submit({"entry_point": str(script), "max_runtime_seconds": 2}))["TrainingJobName"]
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Stopped" and final["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert not procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")


# -- waiting notices a dead supervisor, with no server running -----------------------------

SLEEPER = "import time\nprint('ready', flush=True)\ntime.sleep(600)\n"


def test_cli_wait_ends_when_the_supervisor_is_killed(labstudio_home, write_script, mode) -> None:
    from labstudio.core import Core

    script = write_script(SLEEPER)
    cli = subprocess.Popen(
        [sys.executable, "-m", "labstudio.cli", "train", str(script), "--wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    try:
        assert cli.stdout is not None
        name = cli.stdout.readline().strip()
        core = Core.from_env()
        wait_for(lambda: "ready" in to_json(core.jobs.logs(name))["text"], 60, message="script ready")
        pid_file = core.jobs.layout(name).pid_file
        pid, ticks = (int(v) for v in pid_file.read_text().split())
        _kill9(pid, ticks)
        out, err = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 1
    assert f"supervisor (pid {pid}) ended unexpectedly" in err
    job = core.jobs.get(name)
    assert job.status == "Failed" and f"supervisor (pid {pid}) ended unexpectedly" in job.failure_reason
    assert not procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")  # its leftovers were killed


@pytest.mark.parametrize("logs", ["All", "None"])
def test_sdk_wait_raises_when_the_supervisor_is_killed(core, write_script, logs, monkeypatch) -> None:
    from labstudio.sdk.exceptions import UnexpectedStatusException
    from labstudio.sdk.job import TrainingJob

    monkeypatch.setenv("LABSTUDIO_WIDGETS", "0")
    name = to_json(core.jobs.submit({"entry_point": str(write_script(SLEEPER))}))["TrainingJobName"]
    outcome: list[BaseException | None] = []

    def wait() -> None:
        try:
            TrainingJob(name).wait(logs=logs)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    pid, ticks = _supervisor_pid(core, name)
    _kill9(pid, ticks)
    waiter.join(timeout=60)
    assert not waiter.is_alive(), "wait() did not notice the dead supervisor"
    assert isinstance(outcome[0], UnexpectedStatusException)
    assert "supervisor" in str(outcome[0]) and "ended unexpectedly" in str(outcome[0])
    assert core.jobs.get(name).status == "Failed"


def test_job_monitor_notices_a_dead_supervisor(core, write_script) -> None:
    pytest.importorskip("ipywidgets")
    from labstudio.widgets import JobMonitor

    name = to_json(core.jobs.submit({"entry_point": str(write_script(SLEEPER))}))["TrainingJobName"]
    pid, ticks = _supervisor_pid(core, name)
    monitor = JobMonitor(name, poll_interval=0.2)
    try:
        _kill9(pid, ticks)
        wait_for(monitor.finished.is_set, 60, message="the monitor to see the job end")
        assert monitor.job_status == "Failed"
        assert "ended unexpectedly" in monitor.message.value
    finally:
        monitor.close()


@pytest.mark.skipif(not _can_refuse_namespaces(), reason="needs unshare(1) and user namespaces to simulate a host that refuses PID namespaces")
def test_a_host_that_refuses_namespaces_falls_back_and_says_why(labstudio_home, write_script) -> None:
    from labstudio.core import Core

    script = write_script(COUNTING_SCRIPT)
    cli = subprocess.Popen(
        _refusing_namespaces([sys.executable, "-m", "labstudio.cli", "train", str(script), "--wait"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    try:
        assert cli.stdout is not None
        name = cli.stdout.readline().strip()
        core = Core.from_env()
        wait_for(lambda: "ready" in to_json(core.jobs.logs(name))["text"], 60, message="script ready")
        core.jobs.stop(name)
        cli.communicate(timeout=90)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert core.jobs.get(name).status == "Stopped"
    lines = _labstudio_lines(core, name)
    assert len(lines) == 1 and lines[0].startswith("labstudio: no PID namespace for this job (") and "process-containment" in lines[0]
    output = core.jobs.layout(name).output
    assert (output / "script-terms.txt").read_text() == "SIGTERM\n"
    assert (output / "child-terms.txt").read_text() == "SIGTERM\n"
    assert not procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")
