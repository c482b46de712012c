"""requirements.txt of a job's source dir, installed before the script as SageMaker's containers do.

Where it goes: a per-job Python environment that sees every package of the environment
labstudio runs in, and adds what requirements.txt asks for on top. It is a venv whose
site-packages holds one ``.pth`` file that adds the base environment's site directories
after its own (``site.addsitedir``, so the base's own ``.pth`` files, editable installs
included, work too). Why a venv and not ``pip install --target DIR`` on PYTHONPATH:
``--target`` makes pip ignore everything already installed, so it downloads and reinstalls
every dependency (numpy again, shadowing the base's copy other packages were built
against); a venv lets pip skip what the base already satisfies and install only what is
missing or of another version, and pip never uninstalls anything outside the venv, so the
user's environment is never changed. (``--system-site-packages`` alone is not enough: it
exposes the base *interpreter's* packages, not those of the venv labstudio runs in.)

The install is plain ``python -m pip install -r requirements.txt`` run in the job's code
folder with the job's environment, so the machine's pip configuration (pip.conf,
``PIP_INDEX_URL``...) applies, and its output goes to the job's log.

Cache: environments live under ``<labstudio home>/pyenvs/`` keyed by the hash of the file
and the interpreter, so a second job with the same file starts at once. A build happens in
its own folder under a per-key lock and is published by atomically replacing the key's
symlink; a half-built environment (a killed job) is never used, and concurrent first jobs
wait for one build instead of corrupting it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..status import JobStatus, SecondaryStatus

FILE_NAME = "requirements.txt"
CACHE_DIR_NAME = "pyenvs"
COMPLETE_MARKER = ".labstudio-complete"
PTH_NAME = "_labstudio_base_env.pth"
MAX_REASON = 1000

_BASE_SITE_DIRS = (
    "import json, site\n"
    "dirs = list(site.getsitepackages())\n"
    "user = site.getusersitepackages() if site.ENABLE_USER_SITE else None\n"
    "print(json.dumps(dirs + ([user] if user else [])))\n"
)


class InstallFailed(Exception):
    """pip could not install the file: the message is the job's FailureReason."""


class InstallStopped(Exception):
    """The job was asked to stop while the install ran."""


def plan_entry(spec: Any, code_dir: Path, home: Path) -> dict[str, str] | None:
    """What the supervisor needs to install requirements.txt, or None when there is nothing to do.

    Only a source dir's top-level requirements.txt counts (a single-file job has none), and
    ``install_requirements=False`` (``--no-requirements``) turns the install off.
    """
    if not getattr(spec, "install_requirements", True) or spec.source_is_single_file:
        return None
    if not (Path(spec.source_dir) / FILE_NAME).is_file():
        return None
    return {"file": str(code_dir / FILE_NAME), "cache_dir": str(home / CACHE_DIR_NAME)}


def cache_key(requirements: bytes, python: str) -> str:
    """The file's bytes, the interpreter and the environment it belongs to: two venvs share
    one interpreter binary (their `python` resolves to the same file) but not their packages,
    and an env chains the base environment's site-packages, so each base gets its own."""
    digest = hashlib.sha256()
    digest.update(os.path.realpath(python).encode())
    digest.update(b"\0")
    digest.update(os.path.abspath(python).encode())
    digest.update(b"\0")
    digest.update(requirements)
    return digest.hexdigest()[:32]


def _ready(path: Path) -> bool:
    return (path / COMPLETE_MARKER).is_file()


def env_python(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def _log(log_fd: int, text: str) -> None:
    os.write(log_fd, f"labstudio: {text}\n".encode())


def _lock(path: Path, should_stop: Callable[[], bool]) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if should_stop():
                os.close(fd)
                raise InstallStopped() from None
            time.sleep(0.2)


def _run_logged(argv: list[str], *, cwd: str, env: dict[str, str], log_fd: int, should_stop: Callable[[], bool]) -> tuple[int, list[str]]:
    """Run a command with its output copied to the job's log; returns (exit code, its lines)."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    import selectors

    lines: list[str] = []
    partial = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            if should_stop():
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise InstallStopped()
            if not sel.select(timeout=0.2):
                continue
            try:
                chunk = os.read(proc.stdout.fileno(), 65536)
            except BlockingIOError:
                continue
            if not chunk:
                break
            os.write(log_fd, chunk)
            parts = (partial + chunk).split(b"\n")
            partial = parts.pop()
            lines.extend(p.decode("utf-8", "replace").rstrip() for p in parts)
            del lines[:-400]
    if partial:
        lines.append(partial.decode("utf-8", "replace").rstrip())
    proc.stdout.close()
    return proc.wait(), lines


def _reason(code: int, lines: list[str]) -> str:
    """pip's own error lines (``ERROR: ...``), else its last lines, as a FailureReason."""
    errors = [line.strip() for line in lines if line.strip().startswith("ERROR:")]
    said = errors or [line.strip() for line in lines if line.strip()][-3:]
    text = " | ".join(said) if said else "pip printed nothing"
    reason = f"InstallRequirementsError: pip could not install the source dir's requirements.txt (exit code {code}): {text}"
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return reason


def _build(build_dir: Path, requirements: str, python: str, env: dict[str, str], code_dir: str,
           log_fd: int, should_stop: Callable[[], bool]) -> None:
    """Create the venv, chain it to the base environment, and pip install into it."""
    base = subprocess.run([python, "-c", _BASE_SITE_DIRS], capture_output=True, text=True, env=env, check=True)
    site_dirs = [d for d in json.loads(base.stdout) if os.path.isdir(d)]
    subprocess.run([python, "-m", "venv", "--without-pip", str(build_dir)], capture_output=True, text=True, env=env, check=True)
    site_packages = sorted(build_dir.glob("lib/python*/site-packages"))
    if not site_packages:
        raise InstallFailed(f"InstallRequirementsError: the venv created in {build_dir} has no site-packages folder")
    lines = ["import site; site.addsitedir(" + repr(d) + ")" for d in site_dirs]
    (site_packages[0] / PTH_NAME).write_text("\n".join(lines) + "\n")
    pip_env = dict(env)
    pip_env.pop("PYTHONPATH", None)  # the job's code and labstudio's shims are no packages pip should see
    pip_env.pop("PYTHONHOME", None)
    pip_env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    pip_env["PIP_USER"] = "0"  # a `user = true` pip.conf cannot apply inside a venv (pip would refuse)
    pip_env["VIRTUAL_ENV"] = str(build_dir)
    argv = [str(env_python(build_dir)), "-m", "pip", "install", "-r", requirements]
    _log(log_fd, "installing requirements.txt: " + " ".join(argv[2:]))
    code, out = _run_logged(argv, cwd=code_dir, env=pip_env, log_fd=log_fd, should_stop=should_stop)
    if code != 0:
        raise InstallFailed(_reason(code, out))
    (build_dir / COMPLETE_MARKER).write_text(json.dumps({"requirements": requirements, "built": time.time()}))


def ensure_env(requirements: str, cache_dir: str, python: str, env: dict[str, str], log_fd: int,
               should_stop: Callable[[], bool] = lambda: False) -> Path:
    """The environment for this requirements.txt: the cached one, or a new one built now.

    Raises InstallFailed (with pip's error lines) or InstallStopped.
    """
    content = Path(requirements).read_bytes()
    root = Path(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    key = cache_key(content, python)
    final = root / key
    if _ready(final):
        _log(log_fd, f"requirements.txt unchanged since an earlier job: reusing the environment {os.path.realpath(final)}")
        return final
    lock_fd = _lock(root / f"{key}.lock", should_stop)
    try:
        if _ready(final):  # another job built it while we waited
            _log(log_fd, f"requirements.txt was installed by another job meanwhile: reusing the environment {os.path.realpath(final)}")
            return final
        current = os.path.realpath(final) if os.path.islink(final) else None
        for stale in root.glob(f"{key}-*"):  # builds of killed jobs (we hold the key's lock)
            if str(stale) != current:
                shutil.rmtree(stale, ignore_errors=True)
        build_dir = root / f"{key}-{secrets.token_hex(4)}"
        try:
            _build(build_dir, requirements, python, env, str(Path(requirements).parent), log_fd, should_stop)
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(build_dir, ignore_errors=True)
            said = (exc.stderr or exc.stdout or "").strip().splitlines()
            raise InstallFailed(f"InstallRequirementsError: could not create the job's Python environment: {said[-1] if said else exc}") from None
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        link = root / f".{key}.{secrets.token_hex(4)}.link"
        os.symlink(build_dir.name, link)
        os.replace(link, final)  # atomic: readers see the old state or the finished environment
        _log(log_fd, f"requirements.txt installed into {build_dir} (cached for later jobs with the same file)")
        return final
    finally:
        os.close(lock_fd)


def use_env(plan: dict[str, Any], env_dir: Path) -> None:
    """Point the launch plan at the environment: its python runs the script, its bin/ comes first on PATH."""
    env_dir = Path(os.path.realpath(env_dir))
    argv = plan["argv"]
    if argv and os.path.basename(argv[0]).startswith("python"):
        argv[0] = str(env_python(env_dir))
    env = plan["env"]
    env["PATH"] = str(env_dir / "bin") + os.pathsep + env.get("PATH", os.defpath)
    env["VIRTUAL_ENV"] = str(env_dir)


def install_for_job(supervisor: Any, log_fd: int, started: float) -> bool:
    """Install the plan's requirements.txt for a job's supervisor, before the script spawns.

    Shows as the job's "Downloading" step (SageMaker's "preparing the instances and the
    data" step) with a message saying pip runs. Returns True when the job has ended here
    (recorded Failed with pip's error, or Stopped), False when the script may start.
    """
    from .. import procs as procutil

    plan = supervisor.plan
    entry = plan["requirements"]
    me = os.getpid()
    supervisor._connect().transitions(
        [(SecondaryStatus.DOWNLOADING, started, "Linking the input data channels; installing requirements.txt with pip")],
        supervisor_pid=me,
        supervisor_start_ticks=procutil.start_ticks(me),
    )
    supervisor._check_stop_flag()
    python = plan["argv"][0] if os.path.basename(plan["argv"][0]).startswith("python") else sys.executable
    try:
        env_dir = ensure_env(entry["file"], entry["cache_dir"], python, plan["env"], log_fd, lambda: bool(supervisor.stop_requested))
    except InstallStopped:
        supervisor._connect().finish(status=JobStatus.STOPPED, secondary=SecondaryStatus.STOPPED, message="Stopped while installing requirements.txt")
        return True
    except InstallFailed as exc:
        _log(log_fd, str(exc))
        noun = str(plan.get("noun") or f"{str(plan.get('kind') or 'training').capitalize()} job")  # a processing job installs it too
        supervisor._connect().finish(status=JobStatus.FAILED, secondary=SecondaryStatus.FAILED, message=f"{noun} failed", failure_reason=str(exc))
        return True
    use_env(plan, env_dir)
    return False
