"""A LABSTUDIO_HOME that cannot be written: one clear line from the CLI (and its listings still
work), a typed error from Run(), a JSON 503 from every REST route and a clean server shutdown.

Tests run as root here, and root ignores permission bits, so the home is made read-only the
way that binds root too: a read-only bind mount inside a private mount namespace
(`unshare -m`), around each process under test. Non-root runs use chmod 0o555 instead.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers import JupyterProcess

pytestmark = pytest.mark.slow

_MOUNT_RO = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def _namespace_works(folder: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", _MOUNT_RO, str(folder), "sh", "-c", f'! touch "{folder}/probe" 2>/dev/null'],
        capture_output=True,
    )
    return probe.returncode == 0 and not (folder / "probe").exists()


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator:
    """read_only(home) -> the command prefix that runs a process with `home` read-only."""
    chmodded: list[Path] = []

    def prefix(home: Path) -> list[str]:
        home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            for path in [home, *[p for p in home.rglob("*") if p.is_dir()]]:
                path.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
                chmodded.append(path)
            return []
        if not _namespace_works(home):
            pytest.skip("running as root without a usable `unshare -m` to make a folder read-only for root")
        return ["unshare", "-m", "sh", "-c", _MOUNT_RO, str(home)]

    yield prefix
    for path in chmodded:
        path.chmod(0o755)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}
    env.update(LABSTUDIO_HOME=str(home), LABSTUDIO_MAX_CONCURRENT_JOBS="1", LABSTUDIO_STOP_GRACE_SECONDS="3")
    return env


def _labstudio(prefix: list[str], home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [*prefix, sys.executable, "-m", "labstudio.cli", *args]
    return subprocess.run(cmd, env=_env(home), capture_output=True, text=True, timeout=120, cwd=cwd)


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], home: Path) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert str(home) in lines[0] and "LABSTUDIO_HOME" in lines[0], lines[0]
    assert "Read-only file system" in lines[0] or "Permission denied" in lines[0], lines[0]


@pytest.fixture
def filled_home(tmp_path: Path) -> tuple[Path, str]:
    """A home with one finished job (and its run) and one experiment, made while writable."""
    home = tmp_path / "home"
    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text("print('loss=0.25')\n")
    done = _labstudio([], home, "train", str(src / "train.py"), "--name", "made-before", "--wait", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    made = _labstudio([], home, "experiments", "create", "kept-experiment")
    assert made.returncode == 0, made.stderr
    return home, "made-before"


def test_cli_reads_a_read_only_home_and_refuses_writes_in_one_line(filled_home: tuple[Path, str], read_only, tmp_path: Path) -> None:
    home, job = filled_home
    prefix = read_only(home)

    listed = _labstudio(prefix, home, "jobs", "list")
    assert listed.returncode == 0 and job in listed.stdout, (listed.stdout, listed.stderr)
    described = _labstudio(prefix, home, "jobs", "describe", job)
    assert described.returncode == 0 and "Completed" in described.stdout, (described.stdout, described.stderr)
    experiments = _labstudio(prefix, home, "experiments", "list")
    assert experiments.returncode == 0 and "kept-experiment" in experiments.stdout, experiments.stderr
    runs = _labstudio(prefix, home, "runs", "list")
    assert runs.returncode == 0 and job in runs.stdout, (runs.stdout, runs.stderr)

    _assert_one_clear_line(_labstudio(prefix, home, "experiments", "create", "new-one"), home)
    script = tmp_path / "again.py"
    script.write_text("print('hi')\n")
    _assert_one_clear_line(_labstudio(prefix, home, "train", str(script), cwd=tmp_path), home)


def test_cli_on_an_empty_read_only_home_prints_one_line(tmp_path: Path, read_only) -> None:
    home = tmp_path / "empty-home"
    prefix = read_only(home)
    for args in (("jobs", "list"), ("experiments", "list"), ("runs", "list")):
        _assert_one_clear_line(_labstudio(prefix, home, *args), home)
    assert list(home.iterdir()) == []


def test_run_raises_a_typed_error_naming_the_home(filled_home: tuple[Path, str], read_only) -> None:
    home, _ = filled_home
    code = (
        "from labstudio.errors import HomeUnusable\n"
        "from labstudio.tracking.run import Run\n"
        "try:\n"
        "    Run('kept-experiment', 'new-run')\n"
        "except HomeUnusable as exc:\n"
        "    assert isinstance(exc, PermissionError)\n"
        "    print('REFUSED', exc)\n"
    )
    result = subprocess.run([*read_only(home), sys.executable, "-c", code], env=_env(home), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("REFUSED labstudio cannot use its home folder"), result.stdout
    assert str(home) in result.stdout and "LABSTUDIO_HOME" in result.stdout


def test_server_answers_json_503_and_shuts_down_cleanly(filled_home: tuple[Path, str], read_only, tmp_path: Path) -> None:
    home, job = filled_home
    root = tmp_path / "root"
    root.mkdir()
    jp = JupyterProcess(root, _env(home), prefix=read_only(home))
    jp.start()
    try:
        for method, path in (
            ("GET", "/labstudio/api/jobs"),
            ("GET", f"/labstudio/api/jobs/{job}"),
            ("POST", "/labstudio/api/experiments"),
            ("GET", "/labstudio/api/runs/not-hex"),
            ("GET", "/labstudio/api/openapi.json"),
            ("GET", "/labstudio/api/events"),
        ):
            code, body = jp.request(method, path, {} if method == "POST" else None)
            assert code == 503, (path, code, body)
            assert isinstance(body, dict) and str(home) in body["message"] and "LABSTUDIO_HOME" in body["message"], body
        code, _ = jp.request("GET", "/labstudio/api/jobs", token=None)
        assert code == 403
        assert jp.proc is not None
        jp.proc.send_signal(signal.SIGTERM)
        assert jp.proc.wait(timeout=60) == 0
    finally:
        jp.kill()
    log = jp.log.read_text()
    assert "_hub" not in log and "Traceback" not in log, log[-3000:]
